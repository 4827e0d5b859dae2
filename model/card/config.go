package card

import "encoding/binary"

// Config-space layout of every function.
const (
	ConfigSize = 4096

	CapMSIX    = 0x70  // MSI-X capability offset
	CapPCIe    = 0xA0  // PCI Express capability offset
	ExtSRIOV   = 0x100 // SR-IOV extended capability offset (PF only)
	capIDMSIX  = 0x11
	capIDPCIe  = 0x10
	extIDSRIOV = 0x0010

	// SR-IOV capability registers, relative to ExtSRIOV.
	SRIOVCtrl      = 0x08
	SRIOVInitialVF = 0x0C
	SRIOVTotalVF   = 0x0E
	SRIOVNumVF     = 0x10
	SRIOVVFOffset  = 0x14
	SRIOVVFStride  = 0x16
	SRIOVVFDevice  = 0x1A

	SRIOVCtrlVFE = 1 << 0 // VF Enable
	SRIOVCtrlMSE = 1 << 3 // VF Memory Space Enable

	// PCIe capability: Device Control at +0x08, Initiate FLR is bit 15.
	pcieDevCtl   = 0x08
	pcieDevCap   = 0x04
	devCtlIniFLR = 1 << 15
	devCapFLR    = 1 << 28

	msixCtlEnable = 1 << 15
	msixCtlMask   = 1 << 14
)

// configSpace is a function's 4 KiB config space with a write mask: bits
// clear in the mask are read-only.
type configSpace struct {
	data [ConfigSize]byte
	mask [ConfigSize]byte
}

func (c *configSpace) r16(off int) uint16      { return binary.LittleEndian.Uint16(c.data[off:]) }
func (c *configSpace) r32(off int) uint32      { return binary.LittleEndian.Uint32(c.data[off:]) }
func (c *configSpace) set16(off int, v uint16) { binary.LittleEndian.PutUint16(c.data[off:], v) }
func (c *configSpace) set32(off int, v uint32) { binary.LittleEndian.PutUint32(c.data[off:], v) }
func (c *configSpace) writable16(off int, m uint16) {
	binary.LittleEndian.PutUint16(c.mask[off:], m)
}

// write stores v through the write mask.
func (c *configSpace) write32(off int, v uint32) {
	for i := 0; i < 4; i++ {
		b := byte(v >> (8 * i))
		m := c.mask[off+i]
		c.data[off+i] = c.data[off+i]&^m | b&m
	}
}

// Identity is what a personality puts in its functions' config headers.
type Identity struct {
	Vendor, PFDevice, VFDevice uint16
	Revision                   uint8
	TotalVFs                   uint16
	VFOffset, VFStride         uint16
	PFVectors, VFVectors       int // MSI-X table sizes
	PFMSIXBar, VFMSIXBar       int // BAR holding the MSI-X table (at offset 0) and PBA (at 0x2000)
}

func newConfig(id Identity, vf bool) *configSpace {
	c := &configSpace{}
	dev := id.PFDevice
	vectors := id.PFVectors
	bir := id.PFMSIXBar
	if vf {
		// A VF's vendor and device id registers read all ones; the real ids
		// come from the PF's SR-IOV capability.
		c.set16(0, 0xFFFF)
		c.set16(2, 0xFFFF)
		vectors = id.VFVectors
		bir = id.VFMSIXBar
	} else {
		c.set16(0, id.Vendor)
		c.set16(2, dev)
	}
	c.set32(0x08, 0x02000000|uint32(id.Revision)) // class: network, Ethernet
	c.writable16(0x04, 0x0406)                    // command: memory space, bus master, INTx disable
	c.set16(0x06, 0x0010)                         // status: capabilities list
	c.data[0x34] = CapMSIX
	// MSI-X capability.
	c.data[CapMSIX] = capIDMSIX
	c.data[CapMSIX+1] = CapPCIe
	c.set16(CapMSIX+2, uint16(vectors-1))
	c.writable16(CapMSIX+2, msixCtlEnable|msixCtlMask)
	c.set32(CapMSIX+4, uint32(bir))        // table at offset 0 of the BAR
	c.set32(CapMSIX+8, 0x2000|uint32(bir)) // PBA at 0x2000
	// PCI Express capability: endpoint, FLR capable.
	c.data[CapPCIe] = capIDPCIe
	c.data[CapPCIe+1] = 0
	c.set16(CapPCIe+2, 0x0002)
	c.set32(CapPCIe+pcieDevCap, devCapFLR)
	c.writable16(CapPCIe+pcieDevCtl, devCtlIniFLR|0x00F0)
	if !vf {
		c.set32(ExtSRIOV, extIDSRIOV|1<<16) // id, version 1, next 0
		c.writable16(ExtSRIOV+SRIOVCtrl, SRIOVCtrlVFE|SRIOVCtrlMSE)
		c.set16(ExtSRIOV+SRIOVInitialVF, id.TotalVFs)
		c.set16(ExtSRIOV+SRIOVTotalVF, id.TotalVFs)
		c.writable16(ExtSRIOV+SRIOVNumVF, 0xFFFF)
		c.set16(ExtSRIOV+SRIOVVFOffset, id.VFOffset)
		c.set16(ExtSRIOV+SRIOVVFStride, id.VFStride)
		c.set16(ExtSRIOV+SRIOVVFDevice, id.VFDevice)
		c.set32(ExtSRIOV+0x1C, 0x553) // supported page sizes
		c.set32(ExtSRIOV+0x20, 0x1)   // system page size 4 KiB
	}
	return c
}
