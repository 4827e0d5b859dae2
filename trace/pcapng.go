package trace

import (
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/nicforge/nicforge/sim"
)

// fcsLen is the frame check sequence a frame event's Len counts and its
// Data leaves out.
const fcsLen = 4

// WritePcapng writes the frames among events (in time order) as pcapng
// for Wireshark: interface 0 is the uplink's transmit side (frames the card
// sent), interface 1 its receive side, at nanosecond resolution. A trace
// keeps a frame's first bytes (64), so packets are that long, each with
// its original length.
func WritePcapng(w io.Writer, events []*Event) error {
	intf := func(name, desc string) pcapgo.NgInterface {
		return pcapgo.NgInterface{Name: name, Description: desc, LinkType: layers.LinkTypeEthernet, SnapLength: 64}
	}
	nw, err := pcapgo.NewNgWriterInterface(w, intf("uplink-tx", "frames the card sent to the wire"), pcapgo.NgWriterOptions{
		SectionInfo: pcapgo.NgSectionInfo{Application: "nicforge trace"},
	})
	if err != nil {
		return err
	}
	rx, err := nw.AddInterface(intf("uplink-rx", "frames the wire sent to the card"))
	if err != nil {
		return err
	}
	for _, ev := range events {
		if ev.Kind != FrameTx && ev.Kind != FrameRx {
			continue
		}
		ci := gopacket.CaptureInfo{
			Timestamp:     time.Unix(0, int64(ev.Time/sim.Nanosecond)).UTC(),
			CaptureLength: len(ev.Data),
			Length:        max(int(ev.Len)-fcsLen, len(ev.Data)),
		}
		if ev.Kind == FrameRx {
			ci.InterfaceIndex = rx
		}
		if err := nw.WritePacket(ci, ev.Data); err != nil {
			return err
		}
	}
	return nw.Flush()
}
