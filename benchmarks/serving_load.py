"""`o2v serve` under load, against the in-process signature call: latency, /ping, memory.

Exports a small model, starts `o2v serve` in a subprocess (`ServeProcess`) and reports
in one run:

1. p50 / p99 latency and requests per second of SageMaker `/invocations` requests
   (scoring and embedding, 1 instance) at concurrency 1, 8 and 32, beside the p50 /
   p99 of calling the same signature in-process on the same padded inputs (the
   floor: `SavedModelRunner.run` in a process of its own that loads the SavedModel
   as the server does). Concurrency 1 alternates short rounds of server and floor,
   so both see the same machine load.
2. `/ping` latency while the largest allowed request (`--max-rows` instances in a
   body just under `--max-request-bytes`) runs, over and over.
3. The server's resident memory before and after 10,000 requests at concurrency 32,
   and the errors among them.

Then it checks the goals: p50 at concurrency 1 within 1.5x of the in-process call,
/ping p99 under 100 ms during the largest request, 0 errors and flat memory (growth
under 10%) over the 10,000 requests. Exit status 1 when a goal is missed.

Example:
    $ PYTHONPATH=. python benchmarks/serving_load.py --seconds 3
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "serving"))

MAX_LEN = 20
VOCAB = 1000


def build_export(base, network):
    import keras

    from keras_o2v import Hyperparameters, Object2Vec
    from keras_o2v.export import export_saved_model

    keras.utils.set_random_seed(0)
    hp = Hyperparameters(enc0_max_seq_len=MAX_LEN, enc0_vocab_size=VOCAB, enc0_network=network,
                         enc0_token_embedding_dim=32, enc_dim=32, mlp_dim=64, num_classes=2)
    return export_saved_model(Object2Vec(hp), base)


def make_instances(kind, size, length=(5, 21), seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(size):
        in0 = rng.integers(1, VOCAB, rng.integers(*length)).tolist()
        in1 = rng.integers(1, VOCAB, rng.integers(*length)).tolist()
        out.append({"in0": in0, "in1": in1} if kind == "score" else {"in0": in0})
    return out


def largest_body(max_rows, max_bytes):
    """`max_rows` scoring instances whose JSON is just under `max_bytes`."""
    per_row = max_bytes // max_rows
    ids_per_side = max(1, (per_row - 40) // 2 // 4)  # ~4 bytes per id ("123,")
    instances = [{"in0": [100 + i % 800] * ids_per_side, "in1": [200 + i % 700] * ids_per_side}
                 for i in range(max_rows)]
    body = json.dumps({"instances": instances}).encode()
    while len(body) > max_bytes:
        ids_per_side -= 1
        instances = [{"in0": row["in0"][:ids_per_side], "in1": row["in1"][:ids_per_side]}
                     for row in instances]
        body = json.dumps({"instances": instances}).encode()
    return body


def floor_call(runner, instances):
    from keras_o2v.inference import parse_instances, plan_batches

    batch = plan_batches(parse_instances(instances))[0]
    return lambda: runner.run(batch.signature, batch.inputs)


def floor_worker(path):
    """The in-process call in a process of its own, like the server's (no Keras model built
    there, no load generator): reads `kind seconds` lines, answers with latencies as JSON."""
    from keras_o2v.inference import SavedModelRunner

    runner = SavedModelRunner(path)
    runner.warm_up()
    calls = {kind: floor_call(runner, make_instances(kind, 1)) for kind in ("score", "embed")}
    print("ready", flush=True)
    for line in sys.stdin:
        kind, seconds = line.split()
        print(json.dumps(time_floor(calls[kind], float(seconds))), flush=True)


class Floor:
    """Drives `floor_worker` in a subprocess."""

    def __init__(self, path):
        import subprocess
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--floor-worker", path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        while self.process.stdout.readline().strip() != "ready":
            if self.process.poll() is not None:
                raise RuntimeError("the in-process floor worker exited")

    def times(self, kind, seconds):
        self.process.stdin.write(f"{kind} {seconds}\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(30)


def time_floor(call, seconds):
    call()
    times, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


class KeepAliveClient:
    """The thinnest HTTP/1.1 client: one keep-alive socket, prebuilt request bytes.

    At concurrency 1 the client's own overhead is part of what is measured; this
    keeps it to a send and a read, as a C client would.
    """

    def __init__(self, url):
        import socket
        host, port = url.split("//", 1)[1].split(":")
        self.host = host
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def request(self, path, body):
        return (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json"
                f"\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body

    def send(self, request):
        """Sends one request, reads the whole answer; returns the status."""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(65536)
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(self.buffer) < length:
            self.buffer += self.sock.recv(65536)
        self.buffer = self.buffer[length:]
        return int(head.split(b" ", 2)[1])

    def times(self, request, seconds):
        times, errors, end = [], [], time.perf_counter() + seconds
        while time.perf_counter() < end:
            start = time.perf_counter()
            status = self.send(request)
            times.append(time.perf_counter() - start)
            if status != 200:
                errors.append(status)
        return times, errors

    def close(self):
        self.sock.close()


async def load(session, url, body, concurrency, seconds=None, count=None):
    """Latencies (s), errors and requests/s of POSTs at `concurrency`, for a time or a count."""
    times, errors = [], []
    end = time.perf_counter() + (seconds or 1e9)
    remaining = [count if count is not None else float("inf")]
    headers = {"Content-Type": "application/json"}

    async def worker():
        while time.perf_counter() < end and remaining[0] > 0:
            remaining[0] -= 1
            start = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        errors.append(response.status)
            except Exception as error:  # noqa: BLE001 - counted, reported
                errors.append(repr(error))
            times.append(time.perf_counter() - start)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return times, errors, len(times) / (time.perf_counter() - began)


async def ping_during(session, url, body, seconds):
    """/ping latencies while the largest request is sent back to back."""
    big = []
    stop = time.perf_counter() + seconds

    async def heavy():
        while time.perf_counter() < stop:
            start = time.perf_counter()
            async with session.post(url + "/invocations", data=body,
                                    headers={"Content-Type": "application/json"}) as response:
                await response.read()
                big.append((response.status, time.perf_counter() - start))

    task = asyncio.create_task(heavy())
    await asyncio.sleep(0.2)
    pings = []
    while time.perf_counter() < stop:
        start = time.perf_counter()
        async with session.get(url + "/ping") as response:
            await response.read()
            assert response.status == 200, response.status
        pings.append(time.perf_counter() - start)
        await asyncio.sleep(0.01)
    await task
    return pings, big


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def ms(values, q):
    return float(np.percentile(values, q) * 1e3)


async def run_benchmark(url, floor_process, args, server_pid):
    import aiohttp

    rows, goals = [], []
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=120)) as session:
        # 1. Latency against the in-process call.
        print("\n| request | concurrency | p50 ms | p99 ms | req/s | in-process p50 ms | p99 ms "
              "| p50 ratio |\n|---|---|---|---|---|---|---|---|")
        for kind in ("score", "embed"):
            instances = make_instances(kind, 1)
            body = json.dumps({"instances": instances}).encode()
            for concurrency in (1, 8, 32):
                if concurrency == 1:  # alternate rounds: same load for both
                    times, floor, errors = [], [], []
                    client = KeepAliveClient(url)
                    request = client.request("/invocations", body)
                    client.times(request, 0.2)  # warm the connection
                    for _ in range(args.rounds):
                        floor += floor_process.times(kind, args.seconds / args.rounds)
                        t, e = client.times(request, args.seconds / args.rounds)
                        times += t
                        errors += e
                    client.close()
                    rps = 1 / np.mean(times)
                else:
                    times, errors, rps = await load(session, url + "/invocations", body,
                                                    concurrency, seconds=args.seconds)
                ratio = ms(times, 50) / ms(floor, 50)
                rows.append((kind, concurrency, ms(times, 50), ms(times, 99), rps, ms(floor, 50),
                             ms(floor, 99), ratio, len(errors)))
                print(f"| {kind} x1 | {concurrency} | {ms(times, 50):.2f} | {ms(times, 99):.2f} | "
                      f"{rps:.0f} | {ms(floor, 50):.2f} | {ms(floor, 99):.2f} | {ratio:.2f}x |",
                      flush=True)
                if concurrency == 1:
                    goals.append((f"{kind} x1: p50 at concurrency 1 within 1.5x of in-process",
                                  f"{ratio:.2f}x", ratio <= 1.5))
        # 2. /ping during the largest allowed request.
        body = largest_body(args.max_rows, args.max_request_bytes)
        pings, big = await ping_during(session, url, body, args.ping_seconds)
        statuses = sorted({status for status, _ in big})
        print(f"\nLargest allowed request: {args.max_rows} instances, {len(body) / 2**20:.2f} MiB; "
              f"{len(big)} sent back to back, statuses {statuses}, latency p50 "
              f"{np.median([t for _, t in big]):.2f} s")
        print(f"/ping meanwhile: {len(pings)} pings, p50 {ms(pings, 50):.1f} ms, p99 "
              f"{ms(pings, 99):.1f} ms, max {max(pings) * 1e3:.1f} ms")
        goals.append(("/ping p99 under 100 ms during the largest request", f"{ms(pings, 99):.1f} ms",
                      ms(pings, 99) < 100 and statuses == [200]))
        # 3. Memory over 10,000 requests at concurrency 32.
        body = json.dumps({"instances": make_instances("score", 1)}).encode()
        await load(session, url + "/invocations", body, 32, count=500)  # warm
        before = rss_mb(server_pid)
        times, errors, rps = await load(session, url + "/invocations", body, 32, count=args.requests)
        after = rss_mb(server_pid)
        print(f"\n{len(times)} requests at concurrency 32: {len(errors)} errors, p50 {ms(times, 50):.1f} ms, "
              f"p99 {ms(times, 99):.1f} ms, {rps:.0f} req/s; server RSS {before:.0f} MB before, "
              f"{after:.0f} MB after")
        goals.append((f"0 errors over {len(times)} requests at concurrency 32", str(len(errors)),
                      not errors and len(times) == args.requests))
        goals.append(("flat memory (growth under 10%)", f"{before:.0f} -> {after:.0f} MB",
                      after <= before * 1.10))
    print("\n| goal | measured | met |\n|---|---|---|")
    for goal, measured, met in goals:
        print(f"| {goal} | {measured} | {'yes' if met else 'NO'} |")
    return all(met for _, _, met in goals)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per case")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds at concurrency 1")
    parser.add_argument("--network", default="bilstm", help="enc0_network of the model")
    parser.add_argument("--threads", type=int, default=4, help="o2v serve --threads")
    parser.add_argument("--loop", default="auto", choices=("auto", "uvloop", "asyncio"),
                        help="o2v serve --loop")
    parser.add_argument("--intra-op", type=int, default=0,
                        help="o2v serve --tensorflow-intra-op-parallelism")
    parser.add_argument("--max-rows", type=int, default=10_000, help="o2v serve --max-rows")
    parser.add_argument("--max-request-bytes", type=int, default=6 * 1024 * 1024)
    parser.add_argument("--ping-seconds", type=float, default=10.0)
    parser.add_argument("--requests", type=int, default=10_000, help="requests for the memory check")
    parser.add_argument("--floor-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_worker:
        return floor_worker(args.floor_worker)

    from keras_o2v_serving.launcher import ServeProcess

    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "o2v")
        floor = Floor(build_export(base, args.network))
        env = {"PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               "TF_CPP_MIN_LOG_LEVEL": "2"}
        serve_args = ["--model-base-path", base, "--threads", str(args.threads), "--loop", args.loop,
                      "--tensorflow-intra-op-parallelism", str(args.intra_op),
                      "--max-rows", str(args.max_rows),
                      "--max-request-bytes", str(args.max_request_bytes)]
        with ServeProcess(serve_args, env=env) as server:
            print(f"model: enc0={args.network}, max_seq_len {MAX_LEN}, dims 32; {os.cpu_count()} "
                  f"CPU(s) visible, shared by the load generator and the server; "
                  f"o2v serve --threads {args.threads} --loop {args.loop} "
                  f"--tensorflow-intra-op-parallelism {args.intra_op}; {args.seconds:g} s per case")
            try:
                met = asyncio.run(run_benchmark(server.url, floor, args, server.process.pid))
            finally:
                floor.close()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
