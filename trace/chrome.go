package trace

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// uplinkTid is the timeline row of the wire's frames.
const uplinkTid = 1 << 16

// WriteChrome writes events as Chrome trace-event JSON, which Perfetto
// (ui.perfetto.dev) and chrome://tracing open as a timeline: one row per
// function and one for the uplink, each event an instant with its text.
// Timestamps are microseconds written out exactly to the picosecond.
func WriteChrome(w io.Writer, events []*Event) error {
	type item struct {
		Name string            `json:"name"`
		Cat  string            `json:"cat,omitempty"`
		Ph   string            `json:"ph"`
		S    string            `json:"s,omitempty"`
		Ts   json.Number       `json:"ts"`
		Pid  int               `json:"pid"`
		Tid  int               `json:"tid"`
		Args map[string]string `json:"args,omitempty"`
	}
	rows := map[int]string{}
	var items []item
	for _, ev := range events {
		tid := uplinkTid
		if ev.Kind.OfFunction() {
			tid = int(ev.Func)
			rows[tid] = FuncName(ev.Func)
		} else {
			rows[tid] = "uplink"
		}
		ts := strings.TrimSuffix(FormatTime(ev.Time), "us")
		items = append(items, item{Name: ev.Kind.String(), Cat: ev.Kind.String(), Ph: "i", S: "t", Ts: json.Number(ts),
			Pid: 1, Tid: tid, Args: map[string]string{"detail": ev.detail(nil)}})
	}
	tids := make([]int, 0, len(rows))
	for t := range rows {
		tids = append(tids, t)
	}
	sort.Ints(tids)
	meta := []item{{Name: "process_name", Ph: "M", Ts: "0", Pid: 1, Args: map[string]string{"name": "nicforge card"}}}
	for _, t := range tids {
		meta = append(meta, item{Name: "thread_name", Ph: "M", Ts: "0", Pid: 1, Tid: t, Args: map[string]string{"name": rows[t]}})
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n")
	enc := json.NewEncoder(bw)
	for i, it := range append(meta, items...) {
		if i > 0 {
			bw.WriteString(",")
		}
		if err := enc.Encode(it); err != nil {
			return err
		}
	}
	fmt.Fprintf(bw, "]}\n")
	return bw.Flush()
}
