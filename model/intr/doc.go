// Package intr is the interrupt block: per function, the cause register
// (EICR), the mask (EIMS), auto-clear (EIAC) and auto-mask (EIAM), and one
// throttle timer per MSI-X vector (EITR moderation).
//
//	cause set ──▶ EICR ─┐
//	(queue write-back,  │ &EIMS ──▶ want[v] ──▶ throttle[v] ──▶ MSI-X v
//	 mailbox, link)     │               ▲        (interval      │
//	EIMS 0→1 re-arm ────┘               │         since last)    ├─▶ EICR &^= EIAC
//	                                    └── held while the       └─▶ EIMS &^= EIAM
//	                                        interval runs
//
// Semantics: a vector "wants" to fire when its cause bit rises while
// unmasked, or when it is unmasked while its cause is set (the re-arm write
// to EIMS after NAPI). It fires at the first core-clock edge at which its
// throttle allows: no sooner than Interval after its previous message. A
// message applies the auto-clear and auto-mask of its bit. An EITR write
// with CNT_WDIS set leaves the running countdown alone; without it the
// countdown restarts expired, so a waiting vector may fire at once.
//
// Timing: evaluation happens on the core clock, one edge after the cause:
// a cause set during cycle n is seen at edge n+1. The 82599 EITR interval
// field is bits 11:3 in units of 2.048 µs (IntervalUnit); 0 disables
// throttling.
package intr
