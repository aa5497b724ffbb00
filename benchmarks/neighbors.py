"""Benchmark: exact blocked k-NN vs plain NumPy brute force, and faiss when installed.

For each base size (default 100,000 and 1,000,000 vectors of dim 256) it prints
queries/second of `keras_o2v.neighbors.NearestNeighbors` (exact, blocked) and of
a plain NumPy brute force (full score matrix per query chunk + argpartition) on
the same queries, checks that both return the same neighbours, and, when faiss
is importable, the recall@k and speed of the faiss IVF-Flat (and, for the
smaller sizes, HNSW) backends against the exact result.

Data: clustered Gaussian vectors (random cluster centres plus noise), a rough
stand-in for real embeddings; queries are drawn the same way.

Usage:
    python benchmarks/neighbors.py [--sizes 100000,1000000] [--dim 256]
        [--queries 1000] [--k 10] [--metric cosine]
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from keras_o2v.neighbors import NearestNeighbors  # noqa: E402


def clustered(rng, count, dim, centres, chunk=100_000):
    """`count` float32 vectors: a random centre each, plus unit Gaussian noise."""
    out = np.empty((count, dim), dtype=np.float32)
    for start in range(0, count, chunk):
        stop = min(start + chunk, count)
        picks = rng.integers(0, len(centres), size=stop - start)
        out[start:stop] = centres[picks] + rng.standard_normal((stop - start, dim),
                                                               dtype=np.float32)
    return out


def numpy_brute_force(base, queries, k, metric, max_bytes=512 * 2**20):
    """Plain NumPy: the full [chunk, num_base] score matrix, argpartition, sort."""
    if metric == "cosine":
        base = base / np.linalg.norm(base, axis=1, keepdims=True)
        queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    chunk = max(1, max_bytes // (4 * base.shape[0]))
    start_time = time.perf_counter()
    rows = []
    for start in range(0, len(queries), chunk):
        q = queries[start:start + chunk]
        if metric == "euclidean":
            scores = -(np.sum(base**2, axis=1) - 2 * q @ base.T)
        else:
            scores = q @ base.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        rows.append(np.take_along_axis(top, order, axis=1))
    return np.concatenate(rows), time.perf_counter() - start_time, chunk


def recall(found, truth):
    k = truth.shape[1]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(found, truth)]))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--metric", default="cosine")
    parser.add_argument("--nprobe", type=int, default=16)
    parser.add_argument("--hnsw-max-size", type=int, default=200_000,
                        help="build HNSW only up to this many vectors (slow to build)")
    args = parser.parse_args()
    try:
        import faiss
    except ImportError:
        faiss = None
    print(f"cpus={os.cpu_count()} numpy={np.__version__} "
          f"faiss={getattr(faiss, '__version__', 'not installed')} metric={args.metric} "
          f"dim={args.dim} queries={args.queries} k={args.k}")
    rng = np.random.default_rng(0)
    centres = 0.7 * rng.standard_normal((1000, args.dim), dtype=np.float32)
    queries = clustered(rng, args.queries, args.dim, centres)
    for size in (int(s) for s in args.sizes.split(",")):
        base = clustered(rng, size, args.dim, centres)
        index, build = timed(lambda: NearestNeighbors(base, metric=args.metric))
        index.search(queries[:8], args.k)  # warm-up (BLAS threads, page faults)
        numpy_brute_force(base, queries[:8], args.k, args.metric)
        (rows, _), exact_s = timed(lambda: index.search(queries, args.k))
        brute_rows, brute_s, chunk = numpy_brute_force(base, queries, args.k, args.metric)
        same = recall(rows, brute_rows)
        print(f"\nbase={size:,} x {args.dim} ({base.nbytes / 2**20:.0f} MiB)")
        print(f"  exact blocked:     {args.queries / exact_s:10.1f} queries/s  "
              f"(build {build:.2f}s, search {exact_s:.2f}s)")
        print(f"  numpy brute force: {args.queries / brute_s:10.1f} queries/s  "
              f"(search {brute_s:.2f}s, {chunk} queries per full score matrix)")
        print(f"  speed ratio exact/numpy = {brute_s / exact_s:.2f}x; "
              f"same neighbours = {same:.4f}")
        if faiss is None:
            print("  faiss: not installed (pip install faiss-cpu)")
            continue
        kinds = ["ivf"] + (["hnsw"] if size <= args.hnsw_max_size else [])
        for kind in kinds:
            approx, build = timed(lambda: NearestNeighbors(
                base, metric=args.metric, backend="faiss", faiss_index=kind,
                nprobe=args.nprobe))
            (approx_rows, _), search_s = timed(lambda: approx.search(queries, args.k))
            detail = (f"nlist={approx._index.nlist} nprobe={approx._index.nprobe}"
                      if kind == "ivf" else f"M={approx.hnsw_m} efSearch={approx.ef_search}")
            print(f"  faiss {kind:4s} ({detail}): {args.queries / search_s:10.1f} queries/s, "
                  f"recall@{args.k}={recall(approx_rows, rows):.4f}, "
                  f"{exact_s / search_s:.1f}x exact (build {build:.1f}s)")
        base = index = None  # free the vectors before the next size is drawn


if __name__ == "__main__":
    main()
