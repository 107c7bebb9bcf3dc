#!/usr/bin/env python3
"""FAISS half of `bench.sh pair`: IndexPQ(128, 16, 8) searches (k=10, one thread) over 1M random
codes, the same work as our KernelDuel at M=16 (scan cost does not depend on code values).
Prints thread CPU time and wall time per code; bench.sh alternates it with KernelDuel so both
sides see the same load. Needs Debian's python3-faiss and python3-numpy (/usr/bin/python3)."""
import faiss, numpy as np, time, sys
faiss.omp_set_num_threads(1)
rng = np.random.default_rng(0)
d, n, m = 128, 1000000, 16
pq = faiss.IndexPQ(d, m, 8)
pq.train(rng.standard_normal((10000, d), dtype='float32'))
codes = rng.integers(0, 256, size=n * m, dtype=np.uint8)
faiss.copy_array_to_vector(codes, pq.codes)
pq.ntotal = n
q = rng.standard_normal((50, d), dtype='float32')
pq.search(q[:5], 10)
cpu, wall = [], []
for r in range(5):
    c0, w0 = time.process_time(), time.perf_counter()
    pq.search(q, 10)
    cpu.append((time.process_time() - c0) / len(q) / n * 1e9); wall.append((time.perf_counter() - w0) / len(q) / n * 1e9)
print(f"FAISS IndexPQ M=16 search k=10: ns/code cpu min {min(cpu):.2f} median {sorted(cpu)[2]:.2f}, wall min {min(wall):.2f} median {sorted(wall)[2]:.2f}")
