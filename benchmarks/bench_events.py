"""How fast SDK events reach Python, and how long the SDK's thread is held: portsip against a
ctypes and a minimal cffi pipeline, in one run, on the same stub.

    python benchmarks/bench_events.py            # full sizes (about 6 minutes)
    python benchmarks/bench_events.py --quick    # small sizes, a smoke run (CI)

Every pipeline receives the same event (recvOutOfDialogMessage: six short strings and a body)
from the stub's load control, which calls the installed C handler from native threads exactly as
SDK threads would and times every call in C (``stub_flood``). The pipelines:

* ``ctypes``: a ``ctypes.CFUNCTYPE`` handler copies the arguments into a tuple and puts it on a
  ``queue.SimpleQueue``; one consumer thread takes it and calls the handler;
* ``cffi``: the same with a minimal ``ffi.callback`` (the baseline of the ratios);
* ``portsip``: a PortSIPLib with a handler added by ``lib.on``: the native event queue, typed
  events, the wait_for backlog and every guarantee included.

Each scenario runs each pipeline in a fresh subprocess (so peak RSS is that pipeline's), and the
table prints each figure with its ratio to the cffi baseline. Figures, not assertions: this
machine may be busy; ratios from one run are what PERFORMANCE.md compares.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import queue
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

PIPELINES = ("ctypes", "cffi", "portsip")
BASELINE = "cffi"
HEADER = ("Alice", "sip:alice@example.com", "Bob", "sip:bob@example.com", "text", "plain")


# ---- the scenarios: (name, description, parameters per size) ------------------------------------

def _scenario(what: str, full: dict[str, Any], quick: dict[str, Any]) -> dict[str, Any]:
    return {"what": what, "full": full, "quick": quick}


SCENARIOS: dict[str, dict[str, Any]] = {
    "throughput": _scenario("events/s into a handler, 16 B body", {"count": 200_000}, {"count": 10_000}),
    "large": _scenario("MiB/s into a handler, 64 KiB bodies", {"count": 20_000, "body": 65536}, {"count": 1_000, "body": 65536}),
    "idle": _scenario("SDK-thread time per call, main thread idle", {"count": 100_000}, {"count": 5_000}),
    "busy": _scenario("SDK-thread time per call, main thread CPU-bound", {"count": 50_000, "busy": True}, {"count": 2_000, "busy": True}),
    "paced": _scenario(
        "SDK-thread time, main CPU-bound, paced at 200/s",
        {"count": 1_000, "rate": 200.0, "busy": True},
        {"count": 100, "rate": 200.0, "busy": True},
    ),
    "flood4": _scenario(
        "SDK-thread time, main CPU-bound, 4 threads flooding",
        {"count": 50_000, "threads": 4, "busy": True},
        {"count": 2_000, "threads": 4, "busy": True},
    ),
    "instances": _scenario(
        "4 threads x 50k into each of 3 instances",
        {"count": 50_000, "threads": 4, "instances": 3},
        {"count": 2_000, "threads": 4, "instances": 3},
    ),
    "latency": _scenario(
        "latency native call -> handler at 1k events/s, main idle", {"count": 5_000, "rate": 1000.0}, {"count": 500, "rate": 1000.0}
    ),
    "memory": _scenario("peak RSS after 1M events, handler discards", {"count": 1_000_000}, {"count": 50_000}),
    # The same flood with portsip's default budget (10,000 events / 32 MiB) instead of one that
    # holds the whole flood: the SDK's thread drops what does not fit, and memory stays bounded.
    "bounded": _scenario(
        "peak RSS after 1M events, default budget", {"count": 1_000_000, "default_budget": True}, {"count": 50_000, "default_budget": True}
    ),
    # Media frames (portsip only: the baselines have no frame path): 20 ms of 16-bit 8 kHz audio each.
    "frames": _scenario("audio frames (320 B) into a handler", {"count": 100_000}, {"count": 5_000}),
}
#: Scenarios only portsip runs, and the (scenario, pipeline) their ratios compare with (None: none):
#: the baselines have no frame path, and no budget (their SDK thread waits for the GIL instead).
PORTSIP_ONLY: dict[str, tuple[str, str] | None] = {"frames": None, "bounded": ("memory", BASELINE)}


# ---- one pipeline, in this process --------------------------------------------------------------

class Consumer:
    """The handler every pipeline ends in: counts, and records latency when asked."""

    def __init__(self, expected: int, latency: bool) -> None:
        self.expected = expected
        self.count = 0
        self.bytes = 0
        self.latencies: list[int] = []
        self.latency = latency
        self.done = threading.Event()
        self.finished_at = 0.0

    def __call__(self, body: bytes) -> None:
        if self.latency:
            self.latencies.append(time.monotonic_ns() - int.from_bytes(body[8:16], "little"))
        self.count += 1
        self.bytes += len(body)
        if self.count == self.expected:
            self.finished_at = time.perf_counter()
            self.done.set()


def stub_library() -> Any:
    from portsip import _header
    from portsip.testing import stub_library_path

    ffi = _header.ffi_for(_header.STUB_HEADER)
    return ffi, ffi.dlopen(stub_library_path())


class RawInstance:
    """A stub SDK instance driven without portsip, for the ctypes and minimal cffi pipelines."""

    def __init__(self, make_handler: Callable[[Any], Any]) -> None:
        from portsip._loader import load_library
        from portsip.testing import stub_library_path

        self.loaded = load_library(stub_library_path())
        ffi, lib = self.loaded.ffi, self.loaded.lib
        self.dispatcher = lib.PSCallback_createCallbackDispatcher()
        self.handler = make_handler(ffi)  # kept alive here
        lib.PSCallback_setRecvOutOfDialogMessageHandler(self.dispatcher, self.handler, 24, 1)
        error = ffi.new("int*")
        self.sdk = lib.PortSIP_initialize(self.dispatcher, 0, b"127.0.0.1", 0, -1, b"", 8, b"bench", 0, 0, b"", b"", False, error)
        assert self.sdk != ffi.NULL, error[0]

    def close(self) -> None:
        self.loaded.lib.PortSIP_unInitialize(self.sdk)
        self.loaded.lib.PSCallback_releaseCallbackDispatcher(self.dispatcher)


def raw_pipeline(kind: str, consumer: Consumer) -> tuple[Any, Callable[[], None]]:
    """(sdk handle, stop) for the ctypes or minimal cffi pipeline."""
    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def consume() -> None:
        while True:
            item = inbox.get()
            if item is None:
                return
            consumer(item[6])

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    put = inbox.put
    if kind == "ctypes":
        prototype = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_long, ctypes.c_long, *[ctypes.c_char_p] * 6, ctypes.c_void_p, ctypes.c_int)

        def ctypes_handler(index: int, obj: int, a: bytes, b: bytes, c: bytes, d: bytes, e: bytes, f: bytes, data: int, length: int) -> int:
            put((a.decode(), b.decode(), c.decode(), d.decode(), e.decode(), f.decode(), ctypes.string_at(data, length)))
            return 0

        callback = prototype(ctypes_handler)  # kept alive by this closure as long as `stop` lives
        address = ctypes.cast(callback, ctypes.c_void_p).value
        instance = RawInstance(lambda ffi: ffi.cast("recvOutOfDialogMessageHandler", address))
    else:
        def make(ffi: Any) -> Any:
            string, buffer = ffi.string, ffi.buffer

            def cffi_handler(index: int, obj: int, a: Any, b: Any, c: Any, d: Any, e: Any, f: Any, data: Any, length: int) -> int:
                put((string(a).decode(), string(b).decode(), string(c).decode(), string(d).decode(),
                     string(e).decode(), string(f).decode(), buffer(data, length)[:]))
                return 0

            return ffi.callback("recvOutOfDialogMessageHandler", cffi_handler)

        instance = RawInstance(make)

    def stop() -> None:
        instance.close()
        put(None)
        thread.join(10)
        del instance.handler

    stop.keep = locals().get("callback")  # type: ignore[attr-defined]  # the ctypes handler lives as long as stop

    return instance.sdk, stop


def portsip_pipeline(consumer: Consumer, count: int, default_budget: bool) -> tuple[Any, Callable[[], None], Any]:
    from portsip import PortSIPLib
    from portsip.events import RecvOutOfDialogMessage
    from portsip.testing import stub_library_path

    # A budget that holds the whole flood, so that every pipeline delivers every event; or the default.
    budget = {} if default_budget else {"max_pending_events": count + 1, "max_pending_bytes": 2**40}
    lib = PortSIPLib(stub_library_path(), **budget)
    lib.initialize(local_sip_port=0)
    lib.on(RecvOutOfDialogMessage, lambda event: consumer(event.data))
    return lib.sdk_handle, lambda: lib.close(timeout=60), lib


def busy_loop(stop: threading.Event) -> None:
    """A main thread that is CPU-bound in Python: it holds the GIL for whole switch intervals."""
    x = 0
    while not stop.is_set():
        for _ in range(10_000):
            x += 1


def run_frames(count: int) -> dict[str, Any]:
    """Audio frames from the stub's frame source (a native media thread) into a handler."""
    from portsip import PortSIPLib
    from portsip.events import AudioRawFrame, InviteConnected, InviteIncoming
    from portsip.testing import StubControl, stub_library_path

    consumer = Consumer(count, latency=False)
    options = {"max_pending_events": 2 * count + 2, "max_pending_bytes": 2**40}
    with PortSIPLib(stub_library_path(), **options) as alice, PortSIPLib(stub_library_path()) as bob:
        for lib, user in ((alice, "alice"), (bob, "bob")):
            lib.initialize(local_sip_port=0)
            lib.set_user(user, sip_domain="example.com")
        session = alice.call("sip:bob@example.com")
        bob.answer_call(bob.wait_for(InviteIncoming).session_id)
        alice.wait_for(InviteConnected)
        alice.on(AudioRawFrame, lambda frame: consumer(frame.data))
        alice.enable_audio_stream_callback(session)
        control = StubControl(alice)
        started = time.perf_counter()
        control.wait_frame_source(control.start_frame_source("audio", session, bytes(320), count=count), timeout=600)
        sdk_done = time.perf_counter()
        consumer.done.wait(600)
        durations = sorted(control.callback_durations())
        dropped = alice.stats["frames_dropped"]
    elapsed = (consumer.finished_at or time.perf_counter()) - started
    return {
        "events_per_s": consumer.count / elapsed,
        "sdk_p50_us": durations[len(durations) // 2] / 1000,
        "sdk_p99_us": durations[int(len(durations) * 0.99)] / 1000,
        "sdk_max_us": durations[-1] / 1000,
        "sdk_seconds": sdk_done - started,
        "delivered": consumer.count,
        "expected": count,
        "dropped": dropped,
    }


def run_one(scenario: str, pipeline: str, params: dict[str, Any]) -> dict[str, Any]:
    if scenario == "frames":
        return run_frames(params["count"])
    count, threads, instances = params["count"], params.get("threads", 1), params.get("instances", 1)
    body = bytes(params.get("body", 16))
    expected = count * threads * instances
    consumer = Consumer(expected, latency=scenario == "latency")
    from portsip._loader import get_ffi

    sdk_ffi = get_ffi()
    stub_ffi, stub = stub_library()
    sdks, stops, libs = [], [], []
    for _ in range(instances):
        if pipeline == "portsip":
            sdk, stop, lib = portsip_pipeline(consumer, expected, params.get("default_budget", False))
            libs.append(lib)
        else:
            sdk, stop = raw_pipeline(pipeline, consumer)
        sdks.append(stub_ffi.cast("void*", int(sdk_ffi.cast("uintptr_t", sdk))))
        stops.append(stop)
    values = stub_ffi.new("stub_value[]", 7)
    keep = []
    for slot, text in zip(values, [*HEADER, body], strict=True):
        raw = text.encode() if isinstance(text, str) else text
        buffer = stub_ffi.from_buffer("unsigned char[]", raw)
        keep.append(buffer)
        slot.kind = stub.STUB_DATA if isinstance(text, bytes) else stub.STUB_STRING
        slot.bytes, slot.size = buffer, len(raw)
        slot.integer = len(raw)
    stop_busy = threading.Event()
    busy = threading.Thread(target=busy_loop, args=(stop_busy,), daemon=True) if params.get("busy") else None
    if busy:
        busy.start()
        time.sleep(0.05)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    rate = params.get("rate", 0.0)
    floods = [threading.Thread(target=lambda s=s: stub.stub_flood(s, 24, values, 7, count, threads, rate, 1)) for s in sdks]
    for flood in floods:
        flood.start()
    for flood in floods:
        flood.join()
    sdk_done = time.perf_counter()
    if busy:
        stop_busy.set()
        busy.join()
    for lib in libs:  # what was not dropped reaches the handler before drain() returns
        lib.drain(600)
    dropped = sum(lib.stats["dropped_events"] for lib in libs)
    delivered_all = consumer.done.wait(0 if dropped else 600)
    durations: list[int] = []
    for s in sdks:
        n = stub.stub_flood_durations(s, stub_ffi.NULL, 0)
        out = stub_ffi.new("long long[]", max(n, 1))
        stub.stub_flood_durations(s, out, n)
        durations += stub_ffi.unpack(out, n)
    for stop in stops:
        stop()
    durations.sort()
    elapsed = (consumer.finished_at if delivered_all else time.perf_counter()) - started
    result = {
        "events_per_s": consumer.count / elapsed,
        "mib_per_s": consumer.bytes / elapsed / 2**20,
        "sdk_p50_us": durations[len(durations) // 2] / 1000,
        "sdk_p99_us": durations[int(len(durations) * 0.99)] / 1000,
        "sdk_max_us": durations[-1] / 1000,
        "sdk_mean_us": statistics.fmean(durations) / 1000,
        "sdk_seconds": sdk_done - started,
        "delivered": consumer.count,
        "expected": expected,
        "dropped": dropped,
        "dropped_share": dropped / expected,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss_before / 1024,
    }
    if consumer.latencies:
        latencies = sorted(consumer.latencies)
        result["latency_p50_us"] = latencies[len(latencies) // 2] / 1000
        result["latency_p99_us"] = latencies[int(len(latencies) * 0.99)] / 1000
    return result


# ---- the table ------------------------------------------------------------------------------

#: scenario -> the figures its row shows, with their unit and whether higher is better
ROWS = {
    "throughput": [("events_per_s", "events/s", True)],
    "large": [("mib_per_s", "MiB/s", True)],
    "idle": [("sdk_p50_us", "p50 µs", False), ("sdk_p99_us", "p99 µs", False), ("sdk_max_us", "max µs", False)],
    "busy": [("sdk_p99_us", "p99 µs", False), ("sdk_max_us", "max µs", False)],
    "paced": [("sdk_p99_us", "p99 µs", False), ("sdk_max_us", "max µs", False)],
    "flood4": [("sdk_p99_us", "p99 µs", False), ("sdk_max_us", "max µs", False)],
    "instances": [("sdk_mean_us", "mean µs", False), ("sdk_max_us", "max µs", False)],
    "latency": [("latency_p50_us", "p50 µs", False), ("latency_p99_us", "p99 µs", False)],
    "memory": [("peak_rss_mb", "peak RSS MB", False)],
    "bounded": [("peak_rss_mb", "peak RSS MB", False), ("dropped_share", "share dropped", False)],
    "frames": [("events_per_s", "frames/s", True), ("sdk_p50_us", "SDK-thread p50 µs", False), ("sdk_p99_us", "p99 µs", False)],
}


def format_value(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def print_table(results: dict[str, dict[str, dict[str, Any]]], pipelines: list[str]) -> None:
    columns = ["Figure", *pipelines]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for scenario, figures in ROWS.items():
        if scenario not in results:
            continue
        for key, unit, _ in figures:
            cells = [f"{SCENARIOS[scenario]['what']}: {unit}"]
            base = results[scenario].get(BASELINE, {}).get(key)
            for pipeline in pipelines:
                value = results[scenario].get(pipeline, {}).get(key)
                if value is None:
                    cells.append("n/a")
                    continue
                if scenario in PORTSIP_ONLY:
                    compared_with = PORTSIP_ONLY[scenario]
                    base = results.get(compared_with[0], {}).get(compared_with[1], {}).get(key) if compared_with else None
                    ratio = f" ({value / base:.2f}x)" if base else ""
                else:
                    ratio = f" ({value / base:.2f}x)" if base and pipeline != BASELINE else ""
                cells.append(format_value(value) + ratio)
            lines.append("| " + " | ".join(cells) + " |")
    print("\n".join(lines))
    notes = [f"{s}/{p}: delivered {r['delivered']:,} of {r['expected']:,}, dropped {r['dropped']:,}"
             for s, by_pipeline in results.items() for p, r in by_pipeline.items()
             if s != "bounded" and (r["delivered"] != r["expected"] or r["dropped"])]
    if notes:
        print("\nIncomplete deliveries: " + "; ".join(notes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="run only these (repeatable)")
    parser.add_argument("--pipeline", action="append", choices=PIPELINES, help="run only these (repeatable)")
    parser.add_argument("--json", metavar="FILE", help="also write all figures to FILE")
    parser.add_argument("--run", nargs=2, metavar=("SCENARIO", "PIPELINE"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    size = "quick" if options.quick else "full"
    if options.run:
        scenario, pipeline = options.run
        print(json.dumps(run_one(scenario, pipeline, SCENARIOS[scenario][size])))
        return 0
    pipelines = options.pipeline or list(PIPELINES)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for scenario in options.scenario or list(SCENARIOS):
        for pipeline in pipelines:
            if scenario in PORTSIP_ONLY and pipeline != "portsip":
                continue
            command = [sys.executable, os.path.abspath(__file__), "--run", scenario, pipeline] + (["--quick"] if options.quick else [])
            done = subprocess.run(command, capture_output=True, text=True, timeout=1200)
            if done.returncode != 0:
                print(f"{scenario}/{pipeline} failed:\n{done.stderr}", file=sys.stderr)
                return 1
            results.setdefault(scenario, {})[pipeline] = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"  {scenario:<10} {pipeline:<15} done", file=sys.stderr, flush=True)
    print(f"\nportsip event delivery, {size} sizes, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
          f"ratios against the minimal {BASELINE} pipeline\n")
    print_table(results, pipelines)
    if options.json:
        with open(options.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
