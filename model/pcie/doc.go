// Package pcie holds what the card and its host agree on at the PCIe
// boundary: function ids, transactions and the upstream port through which
// the card reaches host memory and raises MSI-X interrupts.
//
//	       host (cosim)                       card (model)
//	┌──────────────────────┐   downstream  ┌────────────────────┐
//	│ root complex, IOMMU, │ ── MemWr ───▶ │ BAR decode,        │
//	│ host memory          │ ── MemRd ───▶ │ config space       │
//	│                      │ ◀── Cpl ───── │                    │
//	│                      │   upstream    │ DMA engines        │
//	│      Upstream port   │ ◀── MemRd ─── │  (Upstream.Read)   │
//	│                      │ ◀── MemWr ─── │  (Upstream.Write)  │
//	│                      │ ◀── MSI-X ─── │  (Upstream.MSIX)   │
//	└──────────────────────┘               └────────────────────┘
//
// Timing lives on the host side: Upstream.Read returns when the completion
// data is back at the card; Upstream.Write returns at once (posted) and the
// data lands in host memory after the link's latency, in order with other
// posted writes and MSI-X messages of the same function.
package pcie
