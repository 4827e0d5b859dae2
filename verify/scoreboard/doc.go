// Package scoreboard compares, frame by frame, what the card delivered
// with what an untimed reference model says it should have delivered.
//
//	injected frames ──▶ Sent(src, frame, t) ──▶ Predictor.Route ──▶ expected
//	  (driver TxBatch,                          (reference model)   queue per
//	   wire generator)                                              (destination, stream)
//	                                                                    │ match by
//	delivered frames ─▶ Received(dst, frame, t) ────────────────────────┘ stream+seq
//	  (driver RxBatch,        │
//	   wire sink)             ▼
//	       received │ corrupted (frame diff) │ reordered │ misrouted │ extra
//	Finish():  every expectation left is missing
//
// Frames are identified by the stamp every test frame carries (stream id
// and sequence number, model/ether), so matching never depends on timing.
// Order is checked within a stream at one destination: a frame that
// arrives after a later frame of its stream is reordered. Byte ranges in
// Mask are don't-care: fields the card legitimately rewrites.
//
// What is compared: the first 128 bytes of each expected frame are kept
// and diffed; past them, a frame sent with SentBuilt (built by ether's
// templates: the fill pattern of its sequence number follows the stamp) is
// compared with that pattern byte for byte, and any other frame by its
// CRC-32C (Sent).
//
// Every mismatch is recorded with the time, the destination, the stream
// and sequence number and, for a corrupted frame, a diff of the bytes; the
// first ones are kept in full, the rest only counted.
package scoreboard
