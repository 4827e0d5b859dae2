#include "textflag.h"

// func prefetchLines(p *byte, n int)
// n > 0; the last line is the one holding p+n-1.
TEXT ·prefetchLines(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), DI
	MOVQ n+8(FP), CX
	LEAQ -1(DI)(CX*1), CX
	ANDQ $-64, DI

loop:
	PREFETCHT0 (DI)
	ADDQ       $64, DI
	CMPQ       DI, CX
	JLS        loop
	RET
