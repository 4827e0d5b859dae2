package trace

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/nicforge/nicforge/sim"
)

// PcapWriter writes frames with simulated nanosecond timestamps.
type PcapWriter struct {
	f   *os.File
	w   *pcapgo.Writer
	n   uint64
	err error // the first write error, returned by Close
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
	if p.err != nil {
		return p.err
	}
	p.n++
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, int64(at/sim.Nanosecond)).UTC(), CaptureLength: len(frame), Length: len(frame)}
	p.err = p.w.WritePacket(ci, frame)
	return p.err
}

// Frames returns the frames written.
func (p *PcapWriter) Frames() uint64 { return p.n }

// ReadPcap reads every frame of a pcap file (either timestamp resolution).
func ReadPcap(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("pcap %s: %w", path, err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		return nil, fmt.Errorf("pcap %s: link type %v, want Ethernet", path, r.LinkType())
	}
	var out [][]byte
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("pcap %s: frame %d: %w", path, len(out)+1, err)
		}
		if len(data) < 14 || len(data) > 9728 {
			return out, fmt.Errorf("pcap %s: frame %d has %d bytes (14..9728)", path, len(out)+1, len(data))
		}
		out = append(out, data)
	}
}

// Close closes the file; it reports the first write error, if any.
func (p *PcapWriter) Close() error {
	err := p.f.Close()
	if p.err != nil {
		return p.err
	}
	return err
}
