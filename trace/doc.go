// Package trace is the run's event log: every transaction, interrupt, frame
// and flagged error, in time order, in a versioned, append-only, indexed
// binary file; and pcap output of the frames on the wire.
//
// File layout (little endian):
//
//	"NFTRACE\0" u16 version=1
//	chunk*:  "CHNK" u32 payload-len u32 events u64 first-time u32 crc32c(payload)
//	         payload: events, each
//	           uvarint presence bitmap (bit i: field i present)
//	           uvarint time delta from the previous event of the chunk
//	           u8 kind, then the present fields as uvarints (Data and Text
//	           length-prefixed)
//	index:   "NFIDX\0\0\0" u32 chunks, per chunk u64 offset u64 first-time u32 events
//	trailer: u64 offset of the index, "NFEND\0\0\0"
//
// A chunk closes at 64 KiB. A file without index (a run that crashed)
// is read by scanning the chunks from the start: the events of the whole
// chunks come back, then the damage where the scan stopped. Every corruption — bad
// magic or version, a CRC mismatch, a truncated chunk, a bad varint — is
// an error naming the byte offset, never a panic.
//
// Reading (text.go, vcd.go, chrome.go; the CLI's nicforge trace): Collect
// gathers the events a Filter selects (time window, functions, kinds) in
// time order; each event prints as one line of text (Line names MMIO
// registers through a RegNamer: model/ena.RegName, model/ixgbe.RegName;
// a run's first events, kind Meta, say its scenario, seed and
// personality); WriteVCD turns them
// into waveforms (per function: the last MMIO write and read, DMA bytes,
// MSI-X counts per vector; the uplink's frames) for GTKWave or Surfer, and
// WriteChrome into a trace-event JSON timeline for Perfetto, WritePcapng
// the frames on the wire for Wireshark.
package trace
