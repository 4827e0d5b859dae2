package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/sim"
)

func TestEventText(t *testing.T) {
	us := sim.Microsecond
	frame := []byte{2, 0, 0, 0, 0, 0x20, 2, 0, 0x5e, 0, 0, 1, 0x08, 0x00, 0x45}
	tests := []struct {
		ev   Event
		want string
	}{
		{Event{Time: 60*sim.Millisecond + 123456, Kind: MMIOWrite, Func: 1, Addr: 0x1800, Value: 0x40000014},
			"  60000.123456us  vf0   mmio_write  bar0+0x1800 <- 0x40000014"},
		{Event{Time: us, Kind: MMIORead, Bar: 2, Addr: 8, Value: 1},
			"      1.000000us  pf    mmio_read   bar2+0x0008 -> 0x00000001"},
		{Event{Time: 0, Kind: CfgWrite, Func: 3, Addr: 4, Value: 6},
			"      0.000000us  vf2   cfg_write   cfg 0x004 <- 0x00000006"},
		{Event{Time: 5, Kind: DMAWrite, Func: 1, Addr: 0x10000, Len: 64, Data: []byte{1, 2, 3}},
			"      0.000005us  vf0   dma_write   0x10000, 64 bytes: 01 02 03"},
		{Event{Kind: DMARead, Addr: 0x2000, Len: 1514}, "      0.000000us  pf    dma_read    0x2000, 1514 bytes"},
		{Event{Kind: DMAFault, Func: 2, Addr: 0xdead0000, Len: 8, Value: 1},
			"      0.000000us  vf1   dma_fault   write of 8 bytes at 0xdead0000 outside the function's domain"},
		{Event{Kind: MSIX, Func: 1, Value: 3}, "      0.000000us  vf0   msix        vector 3"},
		{Event{Kind: FrameTx, Len: 1518, Data: frame},
			"      0.000000us  -     frame_tx    port 0, 1518 bytes: 02:00:5e:00:00:01 > 02:00:00:00:00:20, type 0x0800"},
		{Event{Kind: FrameDrop, Len: 64, Text: "anti-spoof"}, "      0.000000us  -     frame_drop  port 0, 64 bytes: anti-spoof"},
		{Event{Kind: DriverLog, Func: 1, Text: "ena: link up"}, "      0.000000us  vf0   log         ena: link up"},
		{Event{Kind: ModelError, Func: 1, Text: "doorbell beyond"}, "      0.000000us  vf0   model_error doorbell beyond"},
		{Event{Kind: Check, Value: 0, Text: "protocol"}, "      0.000000us  -     check       FAIL protocol"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.ev.String())
	}
}

func TestParseKindsAndFuncs(t *testing.T) {
	k, err := ParseKinds("mmio, msix")
	require.NoError(t, err)
	require.Equal(t, map[Kind]bool{MMIORead: true, MMIOWrite: true, MSIX: true}, k)
	_, err = ParseKinds("msix,irq")
	require.ErrorContains(t, err, `unknown event kind "irq" (want cfg, cfg_read, `)
	for s, want := range map[string]uint16{"pf": 0, "vf0": 1, "vf63": 64} {
		got, err := ParseFunc(s)
		require.NoError(t, err)
		require.Equal(t, want, got, s)
		require.Equal(t, s, FuncName(got))
	}
	for _, bad := range []string{"vf", "vf-1", "pf0", "eth0", ""} {
		_, err := ParseFunc(bad)
		require.ErrorContains(t, err, "want pf or vfN", bad)
	}
}

func TestFilter(t *testing.T) {
	f := Filter{From: 10, To: 20, Funcs: map[uint16]bool{1: true}, Kinds: map[Kind]bool{MSIX: true, FrameTx: true}}
	tests := []struct {
		ev   Event
		want bool
	}{
		{Event{Time: 10, Kind: MSIX, Func: 1}, true},
		{Event{Time: 9, Kind: MSIX, Func: 1}, false},
		{Event{Time: 20, Kind: MSIX, Func: 1}, false},
		{Event{Time: 15, Kind: MSIX, Func: 2}, false},
		{Event{Time: 15, Kind: MMIOWrite, Func: 1}, false},
		{Event{Time: 15, Kind: FrameTx}, false}, // frames belong to no function
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, f.Match(&tt.ev), "%+v", tt.ev)
	}
	open := Filter{}
	require.True(t, open.Match(&Event{Time: sim.Second, Kind: FrameTx}))
}

// Collect returns the window's events in time order, also when the file
// holds them slightly out of order and across chunks.
func TestCollectSortsAndFindsLateRecords(t *testing.T) {
	var evs []*Event
	for i := 10; i < 30000; i++ { // several 64 KiB chunks
		at := sim.Time(i) * sim.Nanosecond
		if i%7 == 3 {
			at -= 5 * sim.Nanosecond // recorded after later events, as an MSI-X landing is
		}
		evs = append(evs, &Event{Time: at, Kind: MSIX, Func: uint16(i % 3), Value: uint64(i)})
	}
	b := write(evs)
	r, err := Open(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	require.Greater(t, r.Chunks(), 2)
	from, to := 12000*sim.Nanosecond, 12100*sim.Nanosecond
	got, err := Collect(r, Filter{From: from, To: to}, 0)
	require.NoError(t, err)
	var want []uint64
	for _, e := range evs {
		if e.Time >= from && e.Time < to {
			want = append(want, e.Value)
		}
	}
	require.Len(t, got, len(want))
	for i := 1; i < len(got); i++ {
		require.LessOrEqual(t, got[i-1].Time, got[i].Time)
	}
	seen := map[uint64]bool{}
	for _, e := range got {
		seen[e.Value] = true
	}
	for _, v := range want {
		require.True(t, seen[v], "event %d in the window", v)
	}
	first3, err := Collect(r, Filter{From: from, To: to}, 3)
	require.NoError(t, err)
	require.Equal(t, got[:3], first3)
}

func vcdEvents() []*Event {
	return []*Event{
		{Time: 0, Kind: MMIOWrite, Func: 0, Addr: 0x10, Value: 7},
		{Time: 1000, Kind: MMIOWrite, Func: 1, Addr: 0x1800, Value: 0x40000014},
		{Time: 1000, Kind: DMARead, Func: 1, Len: 1514},
		{Time: 2500, Kind: DMARead, Func: 1, Len: 16},
		{Time: 3000, Kind: MSIX, Func: 1, Value: 1},
		{Time: 4000, Kind: FrameTx, Len: 1518},
		{Time: 4000, Kind: DriverLog, Func: 1, Text: "not a wave"},
		{Time: 9000, Kind: MSIX, Func: 1, Value: 1},
	}
}

// The VCD declares a scope per function and the uplink, starts every
// signal at zero (or its value at time 0), and changes them in time order.
func TestVCD(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteVCD(&b, vcdEvents()))
	vars := map[string]string{} // id -> scope.name
	var scope []string
	values := map[string]uint64{}
	var times []uint64
	sc := bufio.NewScanner(&b)
	defs := true
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case defs && f[0] == "$scope":
			scope = append(scope, f[2])
		case defs && f[0] == "$upscope":
			scope = scope[:len(scope)-1]
		case defs && f[0] == "$var":
			vars[f[3]] = strings.Join(append(append([]string{}, scope[1:]...), f[4]), ".")
		case f[0] == "$enddefinitions":
			defs = false
		case strings.HasPrefix(f[0], "#"):
			v, err := strconv.ParseUint(f[0][1:], 10, 64)
			require.NoError(t, err)
			times = append(times, v)
		case strings.HasPrefix(f[0], "b"):
			v, err := strconv.ParseUint(f[0][1:], 2, 64)
			require.NoError(t, err)
			require.Contains(t, vars, f[1])
			values[vars[f[1]]] = v
		}
	}
	require.Equal(t, []uint64{0, 1000, 2500, 3000, 4000, 9000}, times)
	final := map[string]uint64{}
	for _, name := range vars {
		final[name] = values[name]
	}
	require.Equal(t, map[string]uint64{
		"pf.mmio_wr_addr": 0x10, "pf.mmio_wr_data": 7,
		"vf0.mmio_wr_addr": 0x1800, "vf0.mmio_wr_data": 0x40000014,
		"vf0.dma_rd_bytes": 1530, "vf0.msix_v1": 2,
		"uplink.tx_frames": 1, "uplink.tx_len": 1518,
	}, final)
	require.Error(t, WriteVCD(&bytes.Buffer{}, []*Event{{Time: 5, Kind: MSIX}, {Time: 4, Kind: MSIX}}), "out of order")
}

// GTKWave's converter reads what WriteVCD writes.
func TestVCDReadsInGTKWave(t *testing.T) {
	conv, err := exec.LookPath("vcd2fst")
	if err != nil {
		t.Skip("vcd2fst (gtkwave) is not installed (.ci/run installs it with apt-get): cannot cross-check the VCD")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "t.vcd"), filepath.Join(dir, "t.fst")
	var b bytes.Buffer
	require.NoError(t, WriteVCD(&b, append(vcdEvents(), randomEvents(3, 2000)[1000:]...)))
	require.NoError(t, os.WriteFile(in, b.Bytes(), 0o644))
	msg, err := exec.Command(conv, in, out).CombinedOutput()
	require.NoError(t, err, "%s", msg)
	st, err := os.Stat(out)
	require.NoError(t, err)
	require.Positive(t, st.Size())
}

func TestChromeJSON(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteChrome(&b, vcdEvents()))
	var doc struct {
		TraceEvents []struct {
			Name string            `json:"name"`
			Ph   string            `json:"ph"`
			Ts   json.Number       `json:"ts"`
			Tid  int               `json:"tid"`
			Args map[string]string `json:"args"`
		} `json:"traceEvents"`
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &doc))
	rows := map[int]string{}
	var instants int
	for _, e := range doc.TraceEvents {
		switch e.Ph {
		case "M":
			if e.Name == "thread_name" {
				rows[e.Tid] = e.Args["name"]
			}
		case "i":
			instants++
		}
	}
	require.Equal(t, map[int]string{0: "pf", 1: "vf0", uplinkTid: "uplink"}, rows)
	require.Equal(t, len(vcdEvents()), instants)
	last := doc.TraceEvents[len(doc.TraceEvents)-1]
	require.Equal(t, "msix", last.Name)
	require.Equal(t, "0.009000", last.Ts.String(), "microseconds, exact to the picosecond")
	require.Equal(t, "vector 1", last.Args["detail"])
}

// The pcapng has the frames, on the interface of their direction, with
// their times and original lengths; pcapgo reads it back, and tshark when
// it is installed.
func TestPcapng(t *testing.T) {
	frame := make([]byte, 64)
	copy(frame, []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00})
	evs := []*Event{
		{Time: 1500 * sim.Nanosecond, Kind: FrameTx, Len: 1518, Data: frame},
		{Time: 1600 * sim.Nanosecond, Kind: MSIX, Func: 1},
		{Time: 2 * sim.Microsecond, Kind: FrameRx, Len: 64, Data: frame[:60]},
	}
	var b bytes.Buffer
	require.NoError(t, WritePcapng(&b, evs))
	r, err := pcapgo.NewNgReader(bytes.NewReader(b.Bytes()), pcapgo.DefaultNgReaderOptions)
	require.NoError(t, err)
	var got []string
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		got = append(got, fmt.Sprintf("if%d %dns %d/%d", ci.InterfaceIndex, ci.Timestamp.UnixNano(), len(data), ci.Length))
	}
	require.Equal(t, []string{"if0 1500ns 64/1514", "if1 2000ns 60/60"}, got)

	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not installed (.ci/run installs it with apt-get): cannot cross-check the pcapng")
	}
	path := filepath.Join(t.TempDir(), "t.pcapng")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	out, err := exec.Command(tshark, "-r", path, "-T", "fields", "-e", "frame.interface_name", "-e", "frame.len").Output()
	require.NoError(t, err)
	require.Equal(t, "uplink-tx\t1514\nuplink-rx\t60\n", string(out))
}
