package ena

import "github.com/nicforge/nicforge/rtl/cover"

// Functional coverage of the ENA control path.
type coverage struct {
	g       *cover.Group
	opcode  *cover.Point
	status  *cover.Point
	feature *cover.Point
	getSet  *cover.Cross
	event   *cover.Point
	reset   *cover.Point
	wrap    *cover.Point
}

// featureBins are the feature ids covered, in bin order.
var featureBins = []int{FeatDeviceAttributes, FeatMaxQueuesNum, FeatHWHints, FeatLLQ, FeatMaxQueuesExt, FeatRSSHashFunction,
	FeatStatelessOffload, FeatRSSIndirection, FeatMTU, FeatRSSHashInput, FeatInterruptModerate, FeatAENQConfig, FeatLinkConfig, FeatHostAttrConfig}

func newCoverage() *coverage {
	g := cover.NewGroup("ena")
	c := &coverage{g: g}
	c.opcode = g.Point("admin_opcode", "create_sq", "destroy_sq", "create_cq", "destroy_cq", "get_feature", "set_feature", "get_stats", "other")
	c.status = g.Point("admin_status", "success", "resource_allocation", "bad_opcode", "unsupported", "malformed", "illegal_parameter", "unknown_error", "busy")
	c.feature = g.Point("feature", "device_attributes", "max_queues_num", "hw_hints", "llq", "max_queues_ext", "rss_hash_function",
		"stateless_offload", "rss_indirection", "mtu", "rss_hash_input", "interrupt_moderation", "aenq_config", "link_config", "host_attr_config")
	dir := g.Point("feature_access", "get", "set")
	c.getSet = g.Cross("feature_x_access", c.feature, dir)
	c.event = g.Point("aenq_event", "link_change", "fatal_error", "warning", "notification", "keep_alive", "dropped_no_room")
	c.reset = g.Point("reset_reason", "normal", "keep_alive_to", "admin_to", "other")
	c.wrap = g.Point("ring_wrap", "aq", "acq", "aenq")
	return c
}

func (c *coverage) command(cmd []byte, status byte) {
	switch op := cmd[aqOpcode]; op {
	case OpCreateSQ, OpDestroySQ, OpCreateCQ, OpDestroyCQ:
		c.opcode.Hit(int(op) - 1)
	case OpGetFeature, OpSetFeature:
		c.opcode.Hit(int(op) - 4)
		for i, f := range featureBins {
			if int(cmd[aqFeatID]) == f {
				c.feature.Hit(i)
				c.getSet.Hit(i, int(op)-OpGetFeature)
			}
		}
	case OpGetStats:
		c.opcode.Hit(6)
	default:
		c.opcode.Hit(7)
	}
	c.status.Hit(int(status))
}

func (c *coverage) resetReason(r uint32) {
	c.reset.Hit(int(min(r, 3)))
}

// Coverage returns the personality's covergroups.
func (d *Device) Coverage() []*cover.Group { return []*cover.Group{d.cov.g} }
