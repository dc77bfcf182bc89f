"""Measure the order path of a running configuration; prints figures.

Starts the service with the given configuration sections (default: the
embedded default), creates N orders of one kind over HTTP, and reports the
API's acceptance rate and the time until every order has left PENDING.
Figures only: nothing here asserts a speed.

    .venv/bin/python tools/bench.py --orders 200 --kind key
    .venv/bin/python tools/bench.py --kind certificate --orders 100
"""

import argparse
import concurrent.futures
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from tests.functional.harness import Service  # noqa: E402


def _csr(workdir: str) -> str:
    out = os.path.join(workdir, "csr.pem")
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                    os.path.join(workdir, "k.pem"), "-subj",
                    "/CN=bench.example.com", "-out", out],
                   check=True, capture_output=True)
    with open(out) as f:
        return f.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--kind", choices=["key", "certificate"],
                        default="key")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        service = Service(workdir)
        service.start()
        try:
            meta = ({"algorithm": "aes", "bit_length": 256}
                    if args.kind == "key" else
                    {"request_type": "simple-cmc",
                     "request_data": _csr(workdir)})

            def create(_i: int) -> tuple[str, float]:
                client = service.client("bench")
                start = time.perf_counter()
                ref = client.create_order(args.kind, meta)
                return ref, time.perf_counter() - start

            start = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
                results = list(pool.map(create, range(args.orders)))
            accepted = time.perf_counter() - start
            client = service.client("bench")
            for ref, _latency in results:
                client.wait_order(ref, timeout=600)
            done = time.perf_counter() - start
        finally:
            service.stop()

    latencies = sorted(latency for _ref, latency in results)
    print("orders: %d %s, %d clients" % (args.orders, args.kind,
                                         args.clients))
    print("POST accepted: %.0f/s; latency median %.1f ms, p95 %.1f ms" % (
        args.orders / accepted, statistics.median(latencies) * 1000,
        latencies[int(len(latencies) * 0.95) - 1] * 1000))
    print("all orders finished after %.2f s (%.0f orders/s end to end)" % (
        done, args.orders / done))


if __name__ == "__main__":
    main()
