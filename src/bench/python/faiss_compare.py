#!/usr/bin/env python3
"""FAISS side of the AudioPQ comparison (run by src/scripts/bench.sh faiss).

Reads the dataset CompareWithFaiss wrote, computes the exact top-k (ground truth, shared with the
Java side through GT_FILE), trains FAISS's indexes on the same training sample and times one
thread of search. Writes a tab-separated file of timings and recalls for the Java side to tabulate.

usage: faiss_compare.py DATA_FILE GT_FILE OUT_TSV
Needs Debian's python3-faiss and python3-numpy (run with /usr/bin/python3).
"""
import sys
import time

import faiss
import numpy as np

K = 10
NLIST = 1024
NPROBES = [1, 4, 8, 16, 32, 64]


def read_dataset(path):
    header = np.fromfile(path, dtype='<i4', count=4)
    n, nq, ntrain, d = (int(x) for x in header)
    floats = np.memmap(path, dtype='<f4', mode='r', offset=16)
    base = np.asarray(floats[: n * d]).reshape(n, d)
    queries = np.asarray(floats[n * d: (n + nq) * d]).reshape(nq, d)
    train = np.asarray(floats[(n + nq) * d: (n + nq + ntrain) * d]).reshape(ntrain, d)
    return base, queries, train


def recall_at_k(found, truth):
    return float(np.mean([len(set(f[:K]) & set(t[:K])) / K for f, t in zip(found, truth)]))


def timed_search(index, queries):
    index.search(queries[:2], K)  # warm caches and lazily built state
    start = time.perf_counter()
    _, ids = index.search(queries, K)
    elapsed = time.perf_counter() - start
    return ids, elapsed * 1e3 / len(queries)


def main():
    data_file, gt_file, out_tsv = sys.argv[1:4]
    faiss.omp_set_num_threads(1)
    base, queries, train = read_dataset(data_file)
    n, d = base.shape

    flat = faiss.IndexFlatL2(d)
    flat.add(base)
    start = time.perf_counter()
    _, truth = flat.search(queries, K)
    flat_ms = (time.perf_counter() - start) * 1e3 / len(queries)
    truth.astype('<i4').tofile(gt_file)
    del flat

    # name, ms/query, recall@10 vs exact, train+add seconds, recall@10 vs the same index's
    # exhaustive top 10 (IVF: nprobe = nlist), recall@10 vs flat IndexPQ's top 10 (-1: n/a)
    rows = [("flat", flat_ms, 1.0, 0.0, -1.0, -1.0)]

    def build(name, index):
        start = time.perf_counter()
        index.train(train)
        index.add(base)
        build_s = time.perf_counter() - start
        print(f"faiss {name}: train+add {build_s:.1f} s", flush=True)
        return build_s

    def run(name, index, build_s, vs_all=None, vs_pq=None):
        ids, ms = timed_search(index, queries)
        recall = recall_at_k(ids, truth)
        r_all = recall_at_k(ids, vs_all) if vs_all is not None else -1.0
        r_pq = recall_at_k(ids, vs_pq) if vs_pq is not None else -1.0
        rows.append((name, ms, recall, build_s, r_all, r_pq))
        print(f"faiss {name}: {ms:.3f} ms/query, recall@10 {recall:.3f} (vs all lists {r_all:.3f}, "
              f"vs IndexPQ {r_pq:.3f})", flush=True)
        return ids

    pq = faiss.IndexPQ(d, 16, 8)
    pq_ids = run("pq8_m16", pq, build("pq8_m16", pq))
    del pq
    for m in (16, 32):
        index = faiss.IndexPQFastScan(d, m, 4)
        run(f"fastscan4_m{m}", index, build(f"fastscan4_m{m}", index))
        del index

    # IVF-PQ: residual codes (by_residual, FAISS's default) with the precomputed L2 table, which
    # train() enables for this size; our IvfPqIndex does the same.
    coarse = faiss.IndexFlatL2(d)
    ivf = faiss.IndexIVFPQ(coarse, d, NLIST, 16, 8)
    ivf_build = build("ivfpq", ivf)
    ivf.nprobe = NLIST
    _, all_ids = ivf.search(queries, K)  # the exhaustive top 10 over the same codes
    for nprobe in NPROBES + [NLIST]:
        ivf.nprobe = nprobe
        run(f"ivfpq_nprobe{nprobe}", ivf, ivf_build, all_ids, pq_ids)

    with open(out_tsv, "w") as f:
        f.write(f"# faiss {faiss.__version__} ({faiss.get_compile_options().strip()}), one thread\n")
        f.write("# name\tms_per_query\trecall_at_10\tbuild_s\trecall_vs_all_lists\trecall_vs_index_pq\n")
        for name, ms, recall, build_s, r_all, r_pq in rows:
            f.write(f"{name}\t{ms:.6f}\t{recall:.6f}\t{build_s:.3f}\t{r_all:.6f}\t{r_pq:.6f}\n")


if __name__ == "__main__":
    main()
