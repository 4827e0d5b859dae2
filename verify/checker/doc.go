// Package checker holds the protocol checkers that watch the transaction
// stream between the drivers and the card in every run: MMIO reads and
// writes, the device's DMA, MSI-X messages and DMA faults. A checker never
// touches the model or the drivers; it sees what a bus analyser on the PCIe
// link would see, plus read-only host memory.
//
//	driver ──MMIO──┐                      ┌── Rings: per function and queue,
//	               ├──▶ cosim.Host hooks ─┤   base/len/enable from register
//	device ──DMA───┤    (OnMMIOWrite,     │   writes, ownership per descriptor
//	       ──MSI-X─┘     OnMMIORead,      ├── Mailbox: VFU/PFU lock per VF
//	                     OnDMA, OnMSIX,   ├── Moderation: gap between MSI-X
//	                     OnFault)         │   messages vs the vector's EITR
//	                                      └── DMA faults
//	first violation ──▶ Violation{Rule, At, Func, Txn, Detail} ──▶ the run fails
//
// Rules (Rule names):
//
//	enable_order     a queue enabled (RXDCTL/TXDCTL.ENABLE) before its base
//	                 and length are set, or a tail written while it is off
//	tail_bounds      a tail beyond the ring, or a tail that hands the device
//	                 a descriptor it still owns (bumped past the head)
//	desc_ownership   the device fetches or writes back a descriptor it was
//	                 not given; the driver rewrites one it gave away
//	dd_eop           a write-back without DD, or a Tx write-back of a
//	                 descriptor the device never fetched
//	mailbox_lock     message memory written, or a message posted, without
//	                 holding the buffer lock (VFU for a VF, PFU for the PF)
//	dma_domain       a DMA outside the function's IOMMU domain
//	irq_moderation   two messages of a vector closer than its EITR interval
//
// On an ENA card (NewENA; ena.go): ena_phase, ena_cmd_id, ena_tx_req_id,
// ena_doorbell, ena_moderation, with the queues and their vectors learned
// from the admin stream and the delays from the unmask register writes.
//
// Register offsets come from the regmaps (model/ixgbe), so the checker and
// the model cannot disagree about where a register is.
package checker
