// Package layering checks the dependency rules of ARCHITECTURE.md §1 with
// `go list -deps`:
//
//	driver/...  imports only driver/bus and the standard library
//	model/...   never imports driver/..., cosim or verify
//	no package is named util, common or misc
//
// The rules are data in this package's test; a new package is covered by
// the patterns without editing it. The test stats every Go file and
// directory of the module first, so that go test's cache, which cannot
// see what the go list child process read, reruns it after any change.
package layering
