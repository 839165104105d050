"""What the wire tests share: how long they wait, registering, polling what settles, a SIPp notifier, and the
PJSIP peer (in a process of its own, see pjsip_peer.py)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from portsip import PortSIPLib
from portsip.events import RegisterFailure, RegisterSuccess
from portsip.testing.fixtures import SippFactory, WireLibFactory
from portsip.testing.servers import Sipp, server_environment

#: How long a wire test waits for an event that comes from the network (loopback answers take ms).
TIMEOUT = 10.0
T = TypeVar("T")


def eventually(probe: Callable[[], T], timeout: float = TIMEOUT) -> T:
    """What ``probe()`` returns once it stops failing (an assertion or pytest.raises), polled for ``timeout``
    seconds: for what the network settles a little after the call that caused it returned."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return probe()
        except (AssertionError, pytest.fail.Exception):
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


def register(lib: PortSIPLib, expires: int = 300) -> RegisterSuccess:
    """Register ``lib`` and return its RegisterSuccess (the test fails with the server's answer otherwise)."""
    lib.register_server(expires)
    outcome = lib.wait_for((RegisterSuccess, RegisterFailure), timeout=TIMEOUT)
    assert isinstance(outcome, RegisterSuccess), f"registration failed: {outcome}"
    return outcome


def subscribed_at_sipp(
    sipp: SippFactory, factory: WireLibFactory, transport: str, scenario: str, service: str, event: str
) -> tuple[PortSIPLib, Sipp, int]:
    """alice, subscribed (send_subscription) to ``service`` at a SIPp notifier scenario: (alice, the SIPp
    run, the subscription's id). The scenario NOTIFYs once, then expects the unSUBSCRIBE."""
    server = sipp(scenario, transport=transport, service=service)
    alice = factory("alice", transport=transport)
    suffix = ";transport=tcp" if transport == "tcp" else ""
    return alice, server, alice.send_subscription(f"sip:{service}@127.0.0.1:{server.port}{suffix}", event)


class PjsipPeer:
    """An independent SIP client: PJSIP (pjsua2-python) in a process of its own (its bundled OpenSSL must
    not meet libre's), driven by JSON lines (tests/wire/pjsip_peer.py)."""

    def __init__(self, transport: str, user: str = "carol") -> None:
        script = Path(__file__).with_name("pjsip_peer.py")
        self._process = subprocess.Popen(
            [sys.executable, str(script), transport, user],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
            env=server_environment(),  # PJSIP is not ours to check under a sanitizer
        )  # fmt: skip
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        ready = self.expect("ready")
        self.uri: str = ready["uri"]

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith("{"):  # PJSIP logs to stdout before its log level is set
                self._events.put(json.loads(line))
        self._events.put({"event": "exit"})

    def send(self, command: str, **arguments: object) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps({"command": command, **arguments}) + "\n")

    def expect(self, event: str, timeout: float = TIMEOUT, **fields: object) -> dict[str, Any]:
        """The next event called ``event`` with these field values (others are skipped)."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while not deadline.is_set():
                try:
                    got = self._events.get(timeout=0.05)
                except queue.Empty:
                    continue
                if got["event"] == "exit":
                    raise AssertionError(f"the PJSIP peer ended: {self._stderr()}")
                if got["event"] == event and all(got.get(k) == v for k, v in fields.items()):
                    return got
        finally:
            timer.cancel()
        raise TimeoutError(f"no {event} {fields} from the PJSIP peer within {timeout} s")

    def _stderr(self) -> str:
        if self._process.poll() is None:
            return "(still running)"
        assert self._process.stderr is not None
        return self._process.stderr.read()[-3000:]

    def close(self) -> None:
        if self._process.poll() is None:
            self.send("quit")
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
