package drivermap

import (
	"testing"

	"github.com/stretchr/testify/require"

	enadrv "github.com/nicforge/nicforge/driver/ena"
	"github.com/nicforge/nicforge/model/ena"
	"github.com/nicforge/nicforge/sim"
)

// The driver's descriptor encoders and the model's decoders (and the
// other way round for completions) agree on every field, for random
// values. Each side's layout is also checked against specs/ena.md in its
// own package.
//
// Reproduce a failure with: go test -run TestENADescriptorCodecsAgree ./verify/drivermap/
func TestENADescriptorCodecsAgree(t *testing.T) {
	const seed = 1
	r := sim.NewRand(seed)
	u := func(bits uint) uint64 { return r.Uint64() & (1<<bits - 1) }
	b := func() bool { return r.Uint64()&1 == 1 }
	for i := 0; i < 10000; i++ {
		td := enadrv.TxDesc{Length: uint16(u(16)), ReqID: uint16(u(16)), Phase: uint32(u(1)), First: b(), Last: b(), CompReq: b(),
			DF: b(), Addr: u(48), HeaderLen: uint8(u(8))}
		buf := make([]byte, 16)
		td.Put(buf)
		got := ena.DecodeTxDesc(buf)
		want := ena.TxDesc{Length: td.Length, ReqID: td.ReqID, Phase: uint8(td.Phase), First: td.First, Last: td.Last, CompReq: td.CompReq,
			DF: td.DF, Addr: td.Addr, HeaderLen: td.HeaderLen}
		require.Equal(t, want, got, "seed %d, case %d: Tx descriptor %+v", seed, i, td)

		rd := enadrv.RxDesc{Length: uint16(u(16)), ReqID: uint16(u(16)), Phase: uint32(u(1)), Addr: u(48)}
		rd.Put(buf)
		require.Equal(t, ena.RxDesc{Length: rd.Length, ReqID: rd.ReqID, Phase: uint8(rd.Phase), First: true, Last: true, CompReq: true, Addr: rd.Addr},
			ena.DecodeRxDesc(buf), "seed %d, case %d: Rx descriptor %+v", seed, i, rd)

		rc := ena.RxCompletion{L3Proto: uint8(u(5)), L4Proto: uint8(u(5)), First: b(), Last: b(), Buffer: b(),
			Length: uint16(u(16)), ReqID: uint16(u(16)), Hash: uint32(u(32))}
		rc.Put(buf)
		require.Equal(t, enadrv.RxCompletion{L3Proto: rc.L3Proto, L4Proto: rc.L4Proto, First: rc.First, Last: rc.Last, Buffer: rc.Buffer,
			Length: rc.Length, ReqID: rc.ReqID, Hash: rc.Hash}, enadrv.DecodeRxCompletion(buf), "seed %d, case %d: Rx completion %+v", seed, i, rc)

		tc := ena.TxCompletion{ReqID: uint16(u(16)), SQHead: uint16(u(16))}
		tc.Put(buf[:8])
		require.Equal(t, enadrv.TxCompletion{ReqID: tc.ReqID}, enadrv.DecodeTxCompletion(buf[:8]), "seed %d, case %d: Tx completion %+v", seed, i, tc)
	}
}
