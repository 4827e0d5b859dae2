package layering

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/nicforge/nicforge"

type pkg struct {
	ImportPath string
	Deps       []string
	Standard   bool
}

// statSources looks at every directory and Go file of the module. go list
// runs in a child process, whose reads the test cache does not see; these
// make a cached pass stale when a package or an import changes.
func statSources(t *testing.T) {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			_, err := os.ReadDir(path)
			return err
		}
		if strings.HasSuffix(name, ".go") || name == "go.mod" {
			_, err := os.Stat(path)
			return err
		}
		return nil
	})
	require.NoError(t, err, "walking the module's sources")
}

func list(t *testing.T, pattern string) []pkg {
	t.Helper()
	statSources(t)
	out, err := exec.Command("go", "list", "-deps=false", "-json", pattern).Output()
	require.NoError(t, err, "go list %s", pattern)
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		require.NoError(t, dec.Decode(&p))
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func ours(dep string) bool { return strings.HasPrefix(dep, module+"/") }

func TestDriversImportOnlyBus(t *testing.T) {
	for _, p := range list(t, module+"/driver/...") {
		for _, d := range p.Deps {
			if !ours(d) {
				require.NotContains(t, d, ".", "%s depends on %s: drivers use the standard library and driver/bus only", p.ImportPath, d)
				continue
			}
			require.Equal(t, module+"/driver/bus", d, "%s depends on %s", p.ImportPath, d)
		}
	}
}

func TestModelStaysOnItsSide(t *testing.T) {
	for _, p := range list(t, module+"/model/...") {
		for _, d := range p.Deps {
			for _, banned := range []string{"/driver", "/cosim", "/verify", "/runner", "/cmd"} {
				require.False(t, strings.HasPrefix(d, module+banned), "%s depends on %s: the model must not reach the drivers, the host or the harness", p.ImportPath, d)
			}
		}
	}
}

func TestNoGrabBagPackages(t *testing.T) {
	for _, p := range list(t, module+"/...") {
		last := p.ImportPath[strings.LastIndex(p.ImportPath, "/")+1:]
		require.NotContains(t, []string{"util", "utils", "common", "misc", "helpers"}, last, p.ImportPath)
	}
}
