"""Latency and throughput of `o2v serve` against the in-process signature call (the floor).

Exports a small model, starts `o2v serve` in a subprocess on a free port, and for
scoring and embedding requests of 1 and 64 instances at concurrency 1, 8 and 32
sends SageMaker `/invocations` requests for `--seconds` each. It prints p50/p99
latency, requests per second, and the ratio of the server's p50 to the p50 of
calling the same signature in-process on the same (already padded) inputs.

Example:
    $ PYTHONPATH=. python benchmarks/serving_latency.py --seconds 3
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def build_export(base, network):
    import keras

    from keras_o2v import Hyperparameters, Object2Vec
    from keras_o2v.export import export_saved_model

    keras.utils.set_random_seed(0)
    hp = Hyperparameters(enc0_max_seq_len=20, enc0_vocab_size=1000, enc0_network=network,
                         enc0_token_embedding_dim=32, enc_dim=32, mlp_dim=64, num_classes=2)
    return export_saved_model(Object2Vec(hp), base)


def make_instances(kind, size, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(size):
        in0 = rng.integers(1, 1000, rng.integers(5, 21)).tolist()
        in1 = rng.integers(1, 1000, rng.integers(5, 21)).tolist()
        out.append({"in0": in0, "in1": in1} if kind == "score" else {"in0": in0})
    return out


def floor_latencies(runner, instances, seconds):
    from keras_o2v.inference import parse_instances, plan_batches

    batch = plan_batches(parse_instances(instances))[0]
    runner.run(batch.signature, batch.inputs)
    times, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        runner.run(batch.signature, batch.inputs)
        times.append(time.perf_counter() - start)
    return np.array(times)


async def load(url, body, concurrency, seconds):
    import aiohttp

    times = []
    end = time.perf_counter() + seconds
    headers = {"Content-Type": "application/json"}

    async def worker(session):
        while time.perf_counter() < end:
            start = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status
            times.append(time.perf_counter() - start)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        began = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return np.array(times), len(times) / elapsed


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url, process, timeout=120):
    import urllib.request
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("o2v serve exited")
        try:
            with urllib.request.urlopen(url + "/ping", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("o2v serve did not become ready")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per case")
    parser.add_argument("--network", default="bilstm", help="enc0_network of the model")
    parser.add_argument("--threads", type=int, default=4, help="o2v serve --threads")
    args = parser.parse_args(argv)

    from keras_o2v.inference import SavedModelRunner

    with tempfile.TemporaryDirectory() as tmp:
        path = build_export(os.path.join(tmp, "o2v"), args.network)
        runner = SavedModelRunner(path)
        port = free_port()
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   TF_CPP_MIN_LOG_LEVEL="2")
        server = subprocess.Popen(
            [sys.executable, "-m", "keras_o2v.cli", "serve", "--model-base-path",
             os.path.join(tmp, "o2v"), "--host", "127.0.0.1", "--port", str(port),
             "--threads", str(args.threads)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(url, server)
            print(f"model: enc0={args.network}, max_seq_len 20, dims 32; {os.cpu_count()} CPU(s) "
                  f"visible; {args.seconds:g} s per case; server --threads {args.threads}")
            header = (f"{'request':<16}{'conc':>5}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}"
                      f"{'floor p50':>11}{'floor p99':>11}{'p50 ratio':>11}")
            print(header)
            print("-" * len(header))
            for kind in ("score", "embed"):
                for size in (1, 64):
                    instances = make_instances(kind, size)
                    body = json.dumps({"instances": instances})
                    floor = floor_latencies(runner, instances, min(args.seconds, 2.0))
                    f50, f99 = np.percentile(floor, 50) * 1e3, np.percentile(floor, 99) * 1e3
                    for concurrency in (1, 8, 32):
                        times, rps = asyncio.run(load(url + "/invocations", body, concurrency,
                                                      args.seconds))
                        p50, p99 = np.percentile(times, 50) * 1e3, np.percentile(times, 99) * 1e3
                        print(f"{kind + ' x' + str(size):<16}{concurrency:>5}{p50:>9.2f}"
                              f"{p99:>9.2f}{rps:>9.0f}{f50:>11.2f}{f99:>11.2f}{p50 / f50:>10.1f}x",
                              flush=True)
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
