package trace

import (
	"fmt"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/nicforge/nicforge/sim"
)

// PcapWriter writes frames with simulated nanosecond timestamps.
type PcapWriter struct {
	f *os.File
	w *pcapgo.Writer
	n uint64
}

// CreatePcap creates a pcap file (nanosecond resolution, Ethernet).
func CreatePcap(path string) (*PcapWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := pcapgo.NewWriterNanos(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		f.Close()
		return nil, fmt.Errorf("pcap %s: %w", path, err)
	}
	return &PcapWriter{f: f, w: w}, nil
}

// WriteFrame writes one frame (without FCS) seen at time at.
func (p *PcapWriter) WriteFrame(at sim.Time, frame []byte) error {
	p.n++
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, int64(at/sim.Nanosecond)).UTC(), CaptureLength: len(frame), Length: len(frame)}
	return p.w.WritePacket(ci, frame)
}

// Frames returns the frames written.
func (p *PcapWriter) Frames() uint64 { return p.n }

// Close closes the file.
func (p *PcapWriter) Close() error { return p.f.Close() }
