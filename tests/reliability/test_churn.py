"""Churn: create, use and close instances over and over with events in flight (a flood still
firing at close, messages between two instances, a handler and an async stream): threads and file
descriptors come back to where they were, and RSS stays flat within RSS_BOUND."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable

from reliability_support import MIB, UNDER_ASAN, native_threads, needs_proc, open_fds, rss, size, wait_until

from portsip import PortSIPLib
from portsip.events import RecvOutOfDialogMessage, SendOutOfDialogMessageSuccess
from portsip.testing import StubControl

CYCLES = size(60, 500)
WARMUP = size(10, 50)  # caches, the allocator's arenas and the stub build settle first
RSS_BOUND = 8 * MIB  # growth allowed from the end of the warm-up to the last cycle
EVENT = RecvOutOfDialogMessage("Flood", "sip:flood@example.com", "Bob", "sip:bob@example.com", "text", "plain", bytes(16))


def cycle(library: str) -> None:
    alice = PortSIPLib(library)
    bob = PortSIPLib(library)
    try:
        for lib, user in ((alice, "alice"), (bob, "bob")):
            lib.initialize()
            lib.set_user(user, sip_domain="example.com")
        received: list[RecvOutOfDialogMessage] = []
        bob.on(RecvOutOfDialogMessage, received.append)
        StubControl(bob).flood(EVENT, 500, threads=2, rate=50_000, wait=False)  # still firing at close

        async def exchange() -> None:
            async with bob.async_events(RecvOutOfDialogMessage) as stream:
                message_id = alice.send_out_of_dialog_message("sip:bob@example.com", "text", "plain", b"hi")
                async for event in stream:
                    if event.from_uri.startswith("sip:alice"):
                        break
            alice.wait_for(SendOutOfDialogMessageSuccess, predicate=lambda e: e.message_id == message_id)

        asyncio.run(asyncio.wait_for(exchange(), 30))
    finally:
        alice.close()
        bob.close()


def test_lifecycle_churn_with_events_in_flight(
    portsip_stub_library: str, figure: Callable[..., None]
) -> None:
    needs_proc()
    threads_before = native_threads()
    for _ in range(WARMUP):
        cycle(portsip_stub_library)
    # the flood threads of the last cycle end; a thread left by an earlier test may have ended too
    assert wait_until(lambda: native_threads() <= threads_before, 30)
    gc.collect()
    threads_before, python_threads_before = native_threads(), threading.active_count()
    fds, memory = open_fds(), rss()
    for _ in range(CYCLES - WARMUP):
        cycle(portsip_stub_library)
    assert wait_until(lambda: native_threads() <= threads_before, 30)  # no thread left behind
    gc.collect()
    growth = rss() - memory
    assert threading.active_count() <= python_threads_before
    assert open_fds() <= fds
    assert growth < RSS_BOUND or UNDER_ASAN, f"RSS grew by {growth / MIB:.1f} MiB"
    figure("lifecycle cycles (2 instances each)", CYCLES)
    figure("threads / fds left behind", f"{native_threads() - threads_before} / {open_fds() - fds}")
    figure(f"RSS growth after the {WARMUP} warm-up cycles, MiB", growth / MIB)
