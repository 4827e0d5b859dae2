package trace

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/nicforge/nicforge/sim"
)

const (
	fileMagic    = "NFTRACE\x00"
	chunkMagic   = "CHNK"
	indexMagic   = "NFIDX\x00\x00\x00"
	trailerMagic = "NFEND\x00\x00\x00"
	// Version is the file format version.
	Version    = 1
	chunkLimit = 64 << 10
	headerLen  = 8 + 2
	chunkHdr   = 4 + 4 + 4 + 8 + 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Field presence bits.
const (
	fFunc = 1 << iota
	fBar
	fPort
	fAddr
	fValue
	fLen
	fData
	fText
)

type chunkInfo struct {
	off    uint64
	first  sim.Time
	events uint32
}

// Writer records events into a trace file. It implements Sink.
type Writer struct {
	w       io.Writer
	off     uint64
	buf     []byte
	events  uint32
	first   sim.Time
	last    sim.Time
	index   []chunkInfo
	err     error
	closed  bool
	scratch [binary.MaxVarintLen64]byte
}

// NewWriter starts a trace file on w.
func NewWriter(w io.Writer) *Writer {
	t := &Writer{w: w}
	hdr := make([]byte, headerLen)
	copy(hdr, fileMagic)
	binary.LittleEndian.PutUint16(hdr[8:], Version)
	t.write(hdr)
	return t
}

func (t *Writer) write(p []byte) {
	if t.err != nil {
		return
	}
	n, err := t.w.Write(p)
	t.off += uint64(n)
	t.err = err
}

func (t *Writer) uv(v uint64) {
	n := binary.PutUvarint(t.scratch[:], v)
	t.buf = append(t.buf, t.scratch[:n]...)
}

// Record implements Sink.
func (t *Writer) Record(ev *Event) {
	if t.closed || t.err != nil {
		return
	}
	if t.events == 0 {
		t.first, t.last = ev.Time, ev.Time
	}
	var pres uint64
	if ev.Func != 0 {
		pres |= fFunc
	}
	if ev.Bar != 0 {
		pres |= fBar
	}
	if ev.Port != 0 {
		pres |= fPort
	}
	if ev.Addr != 0 {
		pres |= fAddr
	}
	if ev.Value != 0 {
		pres |= fValue
	}
	if ev.Len != 0 {
		pres |= fLen
	}
	if len(ev.Data) != 0 {
		pres |= fData
	}
	if ev.Text != "" {
		pres |= fText
	}
	t.uv(pres)
	// Time is delta-coded; an event stamped earlier than the one before
	// (a frame recorded with its start time) has a negative delta, which
	// zigzag coding keeps as cheap as a positive one.
	t.uv(zigzag(int64(ev.Time) - int64(t.last)))
	t.last = ev.Time
	t.buf = append(t.buf, byte(ev.Kind))
	if pres&fFunc != 0 {
		t.uv(uint64(ev.Func))
	}
	if pres&fBar != 0 {
		t.uv(uint64(ev.Bar))
	}
	if pres&fPort != 0 {
		t.uv(uint64(ev.Port))
	}
	if pres&fAddr != 0 {
		t.uv(ev.Addr)
	}
	if pres&fValue != 0 {
		t.uv(ev.Value)
	}
	if pres&fLen != 0 {
		t.uv(uint64(ev.Len))
	}
	if pres&fData != 0 {
		t.uv(uint64(len(ev.Data)))
		t.buf = append(t.buf, ev.Data...)
	}
	if pres&fText != 0 {
		t.uv(uint64(len(ev.Text)))
		t.buf = append(t.buf, ev.Text...)
	}
	t.events++
	if len(t.buf) >= chunkLimit {
		t.flush()
	}
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

func (t *Writer) flush() {
	if t.events == 0 {
		return
	}
	hdr := make([]byte, chunkHdr)
	copy(hdr, chunkMagic)
	binary.LittleEndian.PutUint32(hdr[4:], uint32(len(t.buf)))
	binary.LittleEndian.PutUint32(hdr[8:], t.events)
	binary.LittleEndian.PutUint64(hdr[12:], uint64(t.first))
	binary.LittleEndian.PutUint32(hdr[20:], crc32.Checksum(t.buf, castagnoli))
	t.index = append(t.index, chunkInfo{off: t.off, first: t.first, events: t.events})
	t.write(hdr)
	t.write(t.buf)
	t.buf = t.buf[:0]
	t.events = 0
}

// Err returns the first write error.
func (t *Writer) Err() error { return t.err }

// Close flushes the last chunk and writes the index and trailer. It closes
// the underlying writer when it is an io.Closer.
func (t *Writer) Close() error {
	if t.closed {
		return t.err
	}
	t.flush()
	t.closed = true
	idxOff := t.off
	b := []byte(indexMagic)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(t.index)))
	for _, c := range t.index {
		b = binary.LittleEndian.AppendUint64(b, c.off)
		b = binary.LittleEndian.AppendUint64(b, uint64(c.first))
		b = binary.LittleEndian.AppendUint32(b, c.events)
	}
	b = binary.LittleEndian.AppendUint64(b, idxOff)
	b = append(b, trailerMagic...)
	t.write(b)
	if c, ok := t.w.(io.Closer); ok {
		if err := c.Close(); err != nil && t.err == nil {
			t.err = err
		}
	}
	return t.err
}

// Reader reads a trace file.
type Reader struct {
	r       io.ReaderAt
	size    int64
	chunks  []chunkInfo
	indexed bool
	ci      int
	payload []byte
	pos     int
	left    uint32
	last    sim.Time
	base    int64
	// damage is where a scan stopped: the chunks before it are read, and
	// Next reports it after their events instead of io.EOF.
	damage error
}

// CorruptError says where a trace file is damaged.
type CorruptError struct {
	Offset int64
	What   string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("trace: corrupt file at byte %d: %s", e.Offset, e.What)
}

// Open reads a trace file's header and index. A file without an index (a
// run that crashed) is scanned; its events up to the first damaged chunk
// are read, and Next then returns the damage as a *CorruptError.
func Open(r io.ReaderAt, size int64) (*Reader, error) {
	hdr := make([]byte, headerLen)
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return nil, &CorruptError{0, "file shorter than the 10-byte header"}
	}
	if string(hdr[:8]) != fileMagic {
		return nil, &CorruptError{0, fmt.Sprintf("bad magic %q, want %q", hdr[:8], fileMagic)}
	}
	if v := binary.LittleEndian.Uint16(hdr[8:]); v != Version {
		return nil, &CorruptError{8, fmt.Sprintf("version %d, this reader knows %d", v, Version)}
	}
	t := &Reader{r: r, size: size}
	if err := t.readIndex(); err != nil {
		// No usable index (a run that crashed): scan the chunks from the
		// start, keeping those before any damage.
		t.damage = t.scan()
	}
	return t, nil
}

func (t *Reader) readIndex() error {
	if t.size < headerLen+16 {
		return errors.New("no trailer")
	}
	tr := make([]byte, 16)
	if _, err := t.r.ReadAt(tr, t.size-16); err != nil || string(tr[8:]) != trailerMagic {
		return errors.New("no trailer")
	}
	off := int64(binary.LittleEndian.Uint64(tr))
	if off < headerLen || off > t.size-16-12 {
		return errors.New("bad index offset")
	}
	b := make([]byte, t.size-16-off)
	if _, err := t.r.ReadAt(b, off); err != nil || string(b[:8]) != indexMagic {
		return errors.New("bad index")
	}
	n := binary.LittleEndian.Uint32(b[8:])
	if uint64(len(b)-12) != uint64(n)*20 {
		return errors.New("bad index length")
	}
	for i := uint32(0); i < n; i++ {
		e := b[12+20*i:]
		t.chunks = append(t.chunks, chunkInfo{off: binary.LittleEndian.Uint64(e), first: sim.Time(binary.LittleEndian.Uint64(e[8:])), events: binary.LittleEndian.Uint32(e[16:])})
	}
	t.indexed = true
	return nil
}

func (t *Reader) scan() error {
	off := int64(headerLen)
	hdr := make([]byte, chunkHdr)
	for off < t.size {
		n, _ := t.r.ReadAt(hdr, off)
		if n >= 8 && string(hdr[:8]) == indexMagic {
			break
		}
		if n < chunkHdr {
			return &CorruptError{off, "truncated chunk header"}
		}
		if string(hdr[:4]) != chunkMagic {
			return &CorruptError{off, fmt.Sprintf("bad chunk magic %q", hdr[:4])}
		}
		l := int64(binary.LittleEndian.Uint32(hdr[4:]))
		if off+chunkHdr+l > t.size {
			return &CorruptError{off, fmt.Sprintf("chunk of %d bytes runs past the end of the file", l)}
		}
		t.chunks = append(t.chunks, chunkInfo{off: uint64(off), first: sim.Time(binary.LittleEndian.Uint64(hdr[12:])), events: binary.LittleEndian.Uint32(hdr[8:])})
		off += chunkHdr + l
	}
	return nil
}

// Chunks returns the number of chunks.
func (t *Reader) Chunks() int { return len(t.chunks) }

// SeekTime positions the reader at the first chunk that may hold events
// at or after tm.
func (t *Reader) SeekTime(tm sim.Time) {
	i := 0
	for i+1 < len(t.chunks) && t.chunks[i+1].first <= tm {
		i++
	}
	t.ci, t.payload, t.left = i, nil, 0
}

func (t *Reader) loadChunk() error {
	c := t.chunks[t.ci]
	off := int64(c.off)
	hdr := make([]byte, chunkHdr)
	if n, _ := t.r.ReadAt(hdr, off); n < chunkHdr {
		return &CorruptError{off, "truncated chunk header"}
	}
	if string(hdr[:4]) != chunkMagic {
		return &CorruptError{off, fmt.Sprintf("bad chunk magic %q", hdr[:4])}
	}
	l := int64(binary.LittleEndian.Uint32(hdr[4:]))
	if l > t.size || off+chunkHdr+l > t.size {
		return &CorruptError{off, fmt.Sprintf("chunk of %d bytes runs past the end of the file", l)}
	}
	p := make([]byte, l)
	if n, _ := t.r.ReadAt(p, off+chunkHdr); int64(n) < l {
		return &CorruptError{off, "truncated chunk"}
	}
	if crc := crc32.Checksum(p, castagnoli); crc != binary.LittleEndian.Uint32(hdr[20:]) {
		return &CorruptError{off, fmt.Sprintf("CRC mismatch: stored %#08x, computed %#08x", binary.LittleEndian.Uint32(hdr[20:]), crc)}
	}
	t.payload, t.pos, t.base = p, 0, off+chunkHdr
	t.left = binary.LittleEndian.Uint32(hdr[8:])
	t.last = sim.Time(binary.LittleEndian.Uint64(hdr[12:]))
	return nil
}

// Next returns the next event, or io.EOF at the end.
func (t *Reader) Next() (*Event, error) {
	for t.left == 0 {
		if t.payload != nil {
			t.ci++
		}
		if t.ci >= len(t.chunks) {
			if t.damage != nil {
				return nil, t.damage
			}
			return nil, io.EOF
		}
		if err := t.loadChunk(); err != nil {
			return nil, err
		}
		if t.left == 0 {
			t.payload = nil
			t.ci++
		}
	}
	ev, err := t.decode()
	if err != nil {
		return nil, err
	}
	t.left--
	if t.left == 0 && t.pos != len(t.payload) {
		return nil, &CorruptError{t.base + int64(t.pos), "bytes left after the chunk's last event"}
	}
	return ev, nil
}

func (t *Reader) decode() (*Event, error) {
	bad := func(what string) error { return &CorruptError{t.base + int64(t.pos), what} }
	uv := func() (uint64, error) {
		v, n := binary.Uvarint(t.payload[t.pos:])
		if n <= 0 {
			return 0, bad("bad varint")
		}
		t.pos += n
		return v, nil
	}
	pres, err := uv()
	if err != nil {
		return nil, err
	}
	if pres >= 1<<8 {
		return nil, bad(fmt.Sprintf("unknown fields in presence bitmap %#x", pres))
	}
	dz, err := uv()
	if err != nil {
		return nil, err
	}
	ev := &Event{Time: sim.Time(int64(t.last) + unzigzag(dz))}
	t.last = ev.Time
	if t.pos >= len(t.payload) {
		return nil, bad("event cut off before its kind")
	}
	ev.Kind = Kind(t.payload[t.pos])
	t.pos++
	get := func(bit uint64) (uint64, error) {
		if pres&bit == 0 {
			return 0, nil
		}
		return uv()
	}
	var v uint64
	if v, err = get(fFunc); err != nil {
		return nil, err
	}
	ev.Func = uint16(v)
	if v, err = get(fBar); err != nil {
		return nil, err
	}
	ev.Bar = uint8(v)
	if v, err = get(fPort); err != nil {
		return nil, err
	}
	ev.Port = uint8(v)
	if ev.Addr, err = get(fAddr); err != nil {
		return nil, err
	}
	if ev.Value, err = get(fValue); err != nil {
		return nil, err
	}
	if v, err = get(fLen); err != nil {
		return nil, err
	}
	ev.Len = uint32(v)
	blob := func(bit uint64) ([]byte, error) {
		n, err := get(bit)
		if err != nil || pres&bit == 0 {
			return nil, err
		}
		if n > uint64(len(t.payload)-t.pos) {
			return nil, bad(fmt.Sprintf("field of %d bytes runs past the chunk", n))
		}
		b := bytes.Clone(t.payload[t.pos : t.pos+int(n)])
		t.pos += int(n)
		return b, nil
	}
	if ev.Data, err = blob(fData); err != nil {
		return nil, err
	}
	txt, err := blob(fText)
	if err != nil {
		return nil, err
	}
	ev.Text = string(txt)
	return ev, nil
}
