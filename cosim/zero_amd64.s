#include "textflag.h"

// func clearStreaming(p *byte, n int)
// p is 16-byte aligned and n a multiple of 64.
TEXT ·clearStreaming(SB), NOSPLIT, $0-16
	MOVQ  p+0(FP), DI
	MOVQ  n+8(FP), CX
	PXOR  X0, X0
	TESTQ CX, CX
	JEQ   done

loop:
	MOVNTO X0, 0(DI)
	MOVNTO X0, 16(DI)
	MOVNTO X0, 32(DI)
	MOVNTO X0, 48(DI)
	ADDQ   $64, DI
	SUBQ   $64, CX
	JNE    loop
	SFENCE

done:
	RET
