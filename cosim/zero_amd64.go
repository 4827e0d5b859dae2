package cosim

import "unsafe"

// clearStreaming zeroes n bytes at p with non-temporal stores: p is 16-byte
// aligned and n a multiple of 64.
//
//go:noescape
func clearStreaming(p *byte, n int)

// clearMemory zeroes b. Recycled host memory is megabytes that nothing
// reads soon: streaming stores write it without first reading every line
// into the cache and without evicting what the next run would use, about
// twice as fast as clear.
func clearMemory(b []byte) {
	if len(b) < 4096 {
		clear(b)
		return
	}
	head := int(-uintptr(unsafe.Pointer(&b[0])) & 15)
	clear(b[:head])
	body := (len(b) - head) &^ 63
	clearStreaming(&b[head], body)
	clear(b[head+body:])
}
