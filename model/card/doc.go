// Package card is the card's PCIe endpoint: config space for the PF and
// every VF, the SR-IOV extended capability that creates the VFs, the MSI-X
// capability and table of each function, BAR decode and function-level
// reset. It hosts one personality (model/ixgbe, later model/ena) that owns
// the device registers behind the BARs, and the cycle kernel that clocks
// the personality's engines.
//
//	           PCIe link (cosim.Device seam)
//	──────────────┬───────────────────────────────────────────────
//	              │ CfgRd/CfgWr      MemRd/MemWr          ▲ MSI-X
//	      ┌───────▼────────┐  ┌──────────────────┐        │
//	      │ config space   │  │ BAR decode       │  ┌─────┴──────┐
//	      │ PF  + VF0..VFn │  │ BAR0 regs ───────┼─▶│ personality│
//	      │ PCIe cap (FLR) │  │ MSI-X BAR ─┐     │  │ (ixgbe)    │
//	      │ MSI-X cap      │  └────────────┼─────┘  │ engines    │
//	      │ SR-IOV ext cap │       ┌───────▼─────┐  └─────┬──────┘
//	      └────────────────┘       │ MSI-X table │◀───────┘ Raise(f, vector)
//	                               │ + PBA       │
//	                               └─────────────┘
//
// Config space layout (every function, 4 KiB):
//
//	0x00 vendor/device   0x04 command/status   0x08 class 0x020000
//	0x10.. BARs (read-only here: addresses are the host's business)
//	0x34 capability pointer -> 0x70 MSI-X (id 0x11) -> 0xA0 PCIe (id 0x10)
//	0x100 (PF only) SR-IOV extended capability (id 0x0010):
//	   +0x08 control (VF Enable bit 0, VF MSE bit 3)  +0x0C InitialVFs
//	   +0x0E TotalVFs  +0x10 NumVFs  +0x14 First VF offset  +0x16 VF stride
//	   +0x1A VF device id
//
// MSI-X: each vector has a table entry (address, data, control with the
// mask bit, which resets to masked as the PCIe spec says) and a pending
// bit; a raise on a masked vector or function sets the pending bit and the
// message goes out when it is unmasked. A raise that sends a message ends the
// current Advance so the host can wake the driver before the card runs on.
//
// Timing parameters: core clock 250 MHz; register read latency
// ReadLatencyCycles (default 8 core cycles from arrival to completion).
package card
