package ena

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The verification vectors of the Toeplitz hash (Microsoft's RSS
// specification), with the default key.
func TestToeplitzVectors(t *testing.T) {
	for _, tc := range []struct {
		src, dst         [4]byte
		sport, dport     uint16
		ipOnly, withPort uint32
	}{
		{[4]byte{66, 9, 149, 187}, [4]byte{161, 142, 100, 80}, 2794, 1766, 0x323e8fc2, 0x51ccc178},
		{[4]byte{199, 92, 111, 2}, [4]byte{65, 69, 140, 83}, 14230, 4739, 0xd718262a, 0xc626b0ea},
		{[4]byte{24, 19, 198, 95}, [4]byte{12, 22, 207, 184}, 12898, 38024, 0xd2d0a5de, 0x5c2b394a},
	} {
		in := append(append([]byte{}, tc.src[:]...), tc.dst[:]...)
		require.Equal(t, tc.ipOnly, Toeplitz(defaultHashKey[:], in))
		in = append(in, byte(tc.sport>>8), byte(tc.sport), byte(tc.dport>>8), byte(tc.dport))
		require.Equal(t, tc.withPort, Toeplitz(defaultHashKey[:], in))
	}
}
