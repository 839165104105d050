"""MESSAGE round trips through a real SIP server on loopback: portsip on the wire stub against PJSIP's own
Python binding (pjsua2-python), in one run, through the same Kamailio, over UDP and over TCP.

    python benchmarks/bench_wire.py            # full sizes (about two minutes)
    python benchmarks/bench_wire.py --quick    # small sizes, a smoke run

Each client registers two users at a fresh Kamailio on 127.0.0.1 and sends MESSAGEs from one to the
other, which answers 200 through the server. A round trip is the time from the send call to the
sender's outcome, each at the client's Python API:

* ``portsip``: ``alice.send_text(...)`` to the receipt's SendOutOfDialogMessageSuccess (the wire stub's
  SIP thread, the stub's worker, portsip's event path and the receipt included);
* ``pjsua2``: ``Buddy.sendInstantMessage`` to ``Account.onInstantMessageStatus`` (PJSIP pumped by one
  Python thread with ``libHandleEvents``, as its documentation recommends for Python).

Scenarios: ``sequential`` (one MESSAGE in flight: round trips/s, p50 and p99 round-trip time) and
``window`` (16 in flight: MESSAGEs/s). Each client runs in a process of its own (PJSIP bundles an
OpenSSL that must not meet libre's), one after the other against the same server. The table prints
portsip's figures with their ratio to pjsua2's: figures, not assertions (this machine may be busy).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

CLIENTS = ("portsip", "pjsua2")
TRANSPORTS = ("udp", "tcp")
BASELINE = "pjsua2"
SIZES = {"full": {"sequential": 3000, "window": 10000}, "quick": {"sequential": 200, "window": 500}}
WINDOW = 16


def summary(rtts_ns: list[int], elapsed: float) -> dict[str, float]:
    ordered = sorted(rtts_ns)
    return {
        "per_second": len(ordered) / elapsed,
        "p50_us": ordered[len(ordered) // 2] / 1000,
        "p99_us": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000,
        "mean_us": statistics.fmean(ordered) / 1000,
    }


# ---- portsip on the wire stub ------------------------------------------------------------------

def run_portsip(host: str, port: int, transport: str, sizes: dict[str, int]) -> dict[str, Any]:
    from portsip import PortSIPLib
    from portsip.enums import TransportType
    from portsip.events import RecvOutOfDialogMessage, RegisterSuccess, SendOutOfDialogMessageFailure, SendOutOfDialogMessageSuccess
    from portsip.testing import stub_library_path

    path = stub_library_path(wire=True)
    libs = []
    for user in ("alice", "bob"):
        lib = PortSIPLib(path)
        lib.initialize(TransportType.TCP if transport == "tcp" else TransportType.UDP, local_ip="127.0.0.1", local_sip_port=0)
        lib.set_user(user, sip_domain="example.test", sip_server_addr=host, sip_server_port=port)
        lib.register_server(300)
        lib.wait_for(RegisterSuccess, timeout=10)
        libs.append(lib)
    alice, bob = libs
    bob.on(RecvOutOfDialogMessage, lambda event: None)  # bob's side takes each MESSAGE like an application
    results = {}
    for _ in range(50):  # warm up: the first sends build what later ones reuse
        alice.send_text("sip:bob@example.test", "warm").result(timeout=10)
    rtts = []
    started = time.perf_counter()
    for n in range(sizes["sequential"]):
        sent = time.perf_counter_ns()
        alice.send_text("sip:bob@example.test", f"message {n}").result(timeout=10)
        rtts.append(time.perf_counter_ns() - sent)
    results["sequential"] = summary(rtts, time.perf_counter() - started)
    window = threading.Semaphore(WINDOW)
    count = sizes["window"]
    finished: dict[int, int] = {}  # message id -> when its outcome reached the handler
    failures: list[Any] = []
    done = threading.Event()

    def on_outcome(event: SendOutOfDialogMessageSuccess | SendOutOfDialogMessageFailure) -> None:
        finished[event.message_id] = time.perf_counter_ns()
        if isinstance(event, SendOutOfDialogMessageFailure):
            failures.append(event)
        window.release()
        if len(finished) == count:
            done.set()

    alice.on(SendOutOfDialogMessageSuccess, on_outcome)
    alice.on(SendOutOfDialogMessageFailure, on_outcome)
    sent: dict[int, int] = {}
    started = time.perf_counter()
    for n in range(count):
        window.acquire()
        before = time.perf_counter_ns()
        sent[alice.send_out_of_dialog_message("sip:bob@example.test", "text", "plain", f"window {n}".encode())] = before
    if not done.wait(120) or failures:
        raise RuntimeError(f"{len(finished)} of {count} outcomes, failures: {failures[:3]}")
    rtts = [finished[message_id] - before for message_id, before in sent.items()]
    results["window"] = summary(rtts, time.perf_counter() - started)
    for lib in libs:
        lib.close()
    return results


# ---- pjsua2-python -----------------------------------------------------------------------------

def run_pjsua2(host: str, port: int, transport: str, sizes: dict[str, int]) -> dict[str, Any]:
    import pjsua2 as pj

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests", "wire"))
    from pjsip_peer import open_endpoint  # the wire tests' PJSIP set-up

    statuses: list[int] = []

    class Account(pj.Account):  # type: ignore[misc]
        registered = False

        def onRegState(self, prm: Any) -> None:
            self.registered = prm.code == 200

        def onInstantMessageStatus(self, prm: Any) -> None:
            statuses.append(time.perf_counter_ns())
            if prm.code != 200:
                raise RuntimeError(f"MESSAGE answered {prm.code}")

        def onInstantMessage(self, prm: Any) -> None:
            pass

    endpoint, _ = open_endpoint(transport, log_level=0)
    suffix = ";transport=tcp" if transport == "tcp" else ""
    accounts = []
    for user in ("alice", "bob"):
        account_config = pj.AccountConfig()
        account_config.idUri = f"sip:{user}@example.test"
        account_config.regConfig.registrarUri = f"sip:{host}:{port}{suffix}"
        account_config.sipConfig.proxies.append(f"sip:{host}:{port}{suffix};lr")
        account = Account()
        account.create(account_config)
        accounts.append(account)
    deadline = time.monotonic() + 10
    while not all(a.registered for a in accounts):
        endpoint.libHandleEvents(10)
        if time.monotonic() > deadline:
            raise TimeoutError("pjsua2 did not register")
    buddy_config = pj.BuddyConfig()
    buddy_config.uri = "sip:bob@example.test"
    buddy = pj.Buddy()
    buddy.create(accounts[0], buddy_config)

    def send(text: str) -> None:
        message = pj.SendInstantMessageParam()
        message.content = text
        buddy.sendInstantMessage(message)

    def pump_until(count: int) -> None:
        limit = time.monotonic() + 120
        while len(statuses) < count:
            endpoint.libHandleEvents(0)
            if time.monotonic() > limit:
                raise TimeoutError(f"{len(statuses)} of {count} outcomes")

    for n in range(50):  # warm up
        send("warm")
        pump_until(n + 1)
    statuses.clear()
    results = {}
    rtts = []
    started = time.perf_counter()
    for n in range(sizes["sequential"]):
        sent = time.perf_counter_ns()
        send(f"message {n}")
        pump_until(n + 1)
        rtts.append(statuses[-1] - sent)
    results["sequential"] = summary(rtts, time.perf_counter() - started)
    statuses.clear()
    count = sizes["window"]
    sent_at: list[int] = []
    started = time.perf_counter()
    while len(statuses) < count:
        while len(sent_at) < count and len(sent_at) - len(statuses) < WINDOW:
            sent_at.append(time.perf_counter_ns())
            send(f"window {len(sent_at)}")
        endpoint.libHandleEvents(0)
    rtts = [done - sent for sent, done in zip(sent_at, statuses, strict=True)]  # PJSIP answers in order here
    results["window"] = summary(rtts, time.perf_counter() - started)
    for account in accounts:
        account.shutdown()
    endpoint.libDestroy()
    return results


# ---- the run -----------------------------------------------------------------------------------

def print_table(results: dict[str, dict[str, Any]]) -> None:
    rows = [
        ("sequential", "per_second", "round trips/s, one in flight", True),
        ("sequential", "p50_us", "p50 round trip (µs)", False),
        ("sequential", "p99_us", "p99 round trip (µs)", False),
        ("window", "per_second", f"MESSAGEs/s, {WINDOW} in flight", True),
        ("window", "p50_us", f"p50 round trip, {WINDOW} in flight (µs)", False),
    ]
    print(f"{'figure':<40} {'portsip':>12} {'pjsua2':>12} {'portsip/pjsua2':>16}")
    for scenario, key, label, higher_is_better in rows:
        mine, theirs = results["portsip"][scenario][key], results["pjsua2"][scenario][key]
        better = "better" if (mine > theirs) == higher_is_better else "worse"
        print(f"{label:<40} {mine:>12.0f} {theirs:>12.0f} {mine / theirs:>11.2f}x ({better})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--transport", action="append", choices=TRANSPORTS, help="only these (repeatable; default both)")
    parser.add_argument("--json", metavar="FILE", help="also write all figures to FILE")
    parser.add_argument("--run", nargs=4, metavar=("CLIENT", "TRANSPORT", "HOST", "PORT"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    sizes = SIZES["quick" if options.quick else "full"]
    if options.run:
        client, transport, host, port = options.run
        run = run_portsip if client == "portsip" else run_pjsua2
        print(json.dumps(run(host, int(port), transport, sizes)))
        return 0
    from portsip.testing.servers import Kamailio, server_environment

    results: dict[str, dict[str, dict[str, Any]]] = {}
    for transport in options.transport or TRANSPORTS:
        with tempfile.TemporaryDirectory() as work, Kamailio.start(work) as server:  # a fresh one: no transactions left
            for client in CLIENTS:
                command = [sys.executable, os.path.abspath(__file__), "--run", client, transport, server.host, str(server.port)]
                command += ["--quick"] if options.quick else []
                environment = server_environment() if client == "pjsua2" else None  # PJSIP is not ours to sanitize
                done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment)
                if done.returncode != 0:
                    print(f"{client} over {transport} failed:\n{done.stderr}", file=sys.stderr)
                    return 1
                results.setdefault(transport, {})[client] = json.loads(done.stdout.strip().splitlines()[-1])
                print(f"  {client} over {transport} done", file=sys.stderr, flush=True)
    for transport, by_client in results.items():
        print(f"\nMESSAGE through Kamailio on loopback ({transport.upper()}), {'quick' if options.quick else 'full'} sizes, "
              f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}; ratios against {BASELINE}\n")
        print_table(by_client)
    if options.json:
        with open(options.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
