#!/usr/bin/env python3
"""FAISS side of the AudioPQ comparison (run by src/main/scripts/bench.sh faiss).

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

    rows = [("flat", flat_ms, 1.0, 0.0)]

    def run(name, index):
        start = time.perf_counter()
        index.train(train)
        index.add(base)
        build_s = time.perf_counter() - start
        ids, ms = timed_search(index, queries)
        recall = recall_at_k(ids, truth)
        rows.append((name, ms, recall, build_s))
        print(f"faiss {name}: {ms:.3f} ms/query, recall@10 {recall:.3f}, train+add {build_s:.1f} s", flush=True)

    run("pq8_m16", faiss.IndexPQ(d, 16, 8))
    run("fastscan4_m16", faiss.IndexPQFastScan(d, 16, 4))
    run("fastscan4_m32", faiss.IndexPQFastScan(d, 32, 4))
    # TODO(ivf): IndexIVFPQ at several nprobe once io.audiopq.quantization.Ivf* lands on main.

    with open(out_tsv, "w") as f:
        f.write(f"# faiss {faiss.__version__} ({faiss.get_compile_options().strip()}), one thread\n")
        f.write("# name\tms_per_query\trecall_at_10\tbuild_s\n")
        for name, ms, recall, build_s in rows:
            f.write(f"{name}\t{ms:.6f}\t{recall:.6f}\t{build_s:.3f}\n")


if __name__ == "__main__":
    main()
