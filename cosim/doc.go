// Package cosim is the co-simulation host: host memory, the IOMMU, the PCIe
// link, the driver contexts and the one scheduler that owns time. It joins
// real drivers (through driver/bus) to a card model (through Device).
//
//	driver contexts (coroutines, one per simulated CPU thread)
//	  ctx0 pf ──┐  ctx1 vf0 ──┐  ctx2 vf1 ──┐       run one at a time, in
//	            ▼             ▼             ▼       (time, id) order
//	  bus.Function: Read32 · Write32 · AllocDMA · WaitIRQ · Delay/Spend
//	┌────────────────────────────────────────────────────────────────┐
//	│ Host                                                            │
//	│  host memory (mmap'd file) ── IOMMU: one arena + page map per   │
//	│                               function; IOVA = physical address │
//	│  PCIe link: down lane (MMIO, completions) / up lane (DMA, MSI-X)│
//	│     each a serialiser: 128b/130b, 24-byte TLP overhead,         │
//	│     256-byte max payload, 512-byte max read request, latency    │
//	│  queues: posted MMIO writes → card; DMA writes, MSI-X → host    │
//	└───────────────────────────────┬────────────────────────────────┘
//	                                │ Device: Advance · MMIORead/Write
//	                                ▼          Config · NextEvent
//	                             card model
//
// Time rules (ARCHITECTURE.md §2): the context with the smallest time runs
// (ties: lower id) until a bus operation or Delay/Spend would move it past
// another context; before a context acts at time T the device has been
// advanced to T, posted MMIO writes that arrive by T have reached it, and
// DMA writes that land by T are in host memory. An MSI-X message wakes a
// context waiting on its vector at the landing time; the device stops its
// Advance after sending one so nothing runs past that time first.
//
// Host memory outlives its host: a finished host's memory is zeroed where
// it holds pages (found with SEEK_DATA once, then remembered) with
// streaming stores, and pooled for the next host of the same size in the
// process, so a run never sees another's bytes and pays no page faults for
// the pages an earlier run already had. Memory whose file was handed out
// (another process may have mapped it) is unmapped instead.
//
// Warm (pcie.Warmer) lets a card model announce host memory it will read
// soon, such as the buffers of Tx descriptors it has fetched: the host
// prefetches it into the CPU's caches. It is a hint for the simulator's
// speed only: no time, no transaction, no check, no trace.
//
// Defaults: PCIe Gen3 x8 (7.877 GB/s per direction), 400 ns one-way latency;
// an MMIO read costs two latencies plus serialisation, about 0.8 µs.
package cosim
