"""Shutdown: close(timeout) delivers what is queued or, past the timeout, stops delivery, counts and
logs what was not delivered; nothing keeps running silently; SDK threads that call after close
(a real SDK may keep threads after unInitialize) reach nothing and crash nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest
from reliability_support import native_threads, needs_proc, settled, size, wait_until

from portsip import PortSIPLib
from portsip._delivery.native import events_library
from portsip.events import RecvInfo, RecvOutOfDialogMessage
from portsip.testing import StubControl

EVENT = RecvOutOfDialogMessage("Flood", "sip:flood@example.com", "Bob", "sip:bob@example.com", "text", "plain", bytes(16))
QUEUED = size(1_000, 100_000)
CLOSE_TIMEOUT = 0.5
#: close() past its timeout waits at most this much more: 1 s for the router, 0.1 s for the handler thread.
CLOSE_GRACE = 1.1 + 0.4


def test_close_past_its_timeout_stops_delivery_counts_and_logs_the_rest(
    portsip_stub_library: str, figure: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    handled = [0]

    def slow(event: RecvOutOfDialogMessage) -> None:  # 10 ms per event: 100,000 take 17 minutes
        handled[0] += 1
        time.sleep(0.01)

    lib = PortSIPLib(portsip_stub_library, max_pending_events=QUEUED)
    lib.initialize()
    lib.on(RecvOutOfDialogMessage, slow)
    StubControl(lib).flood(EVENT, QUEUED)
    assert wait_until(lambda: lib.stats["events_queued"] == 0, 10)  # all routed to the handler thread
    with caplog.at_level(logging.WARNING, logger="portsip"):
        began = time.monotonic()
        lib.close(timeout=CLOSE_TIMEOUT)
        took = time.monotonic() - began
        at_close = handled[0]
    assert CLOSE_TIMEOUT <= took < CLOSE_TIMEOUT + CLOSE_GRACE
    time.sleep(0.2)
    assert handled[0] - at_close <= 1  # at most the handler that was running finishes; no other starts
    stats = lib.stats
    assert stats["dropped_events"] == 0
    assert stats["events_received"] == QUEUED == handled[0] + stats["undelivered_at_close"]
    [warning] = [r.getMessage() for r in caplog.records if "close() stopped delivery" in r.getMessage()]
    assert f"{stats['undelivered_at_close']} event(s) were not delivered" in warning
    figure("events queued behind a 10 ms handler", QUEUED)
    figure("close(timeout=0.5) returned after, s", took)
    figure("delivered before the timeout", handled[0])
    figure("not delivered, counted and logged", stats["undelivered_at_close"])


def test_a_handler_still_running_after_close_is_reported_with_what_it_holds_up(
    portsip_stub_library: str, caplog: pytest.LogCaptureFixture
) -> None:
    release = threading.Event()
    handled = [0]

    def stuck(event: RecvOutOfDialogMessage) -> None:
        handled[0] += 1
        release.wait(30)

    lib = PortSIPLib(portsip_stub_library)
    lib.initialize()
    lib.on(RecvOutOfDialogMessage, stuck)
    StubControl(lib).flood(EVENT, 500)
    assert wait_until(lambda: lib.stats["events_queued"] == 0 and handled[0] == 1, 10)
    with caplog.at_level(logging.WARNING, logger="portsip"):
        lib.close(timeout=0.2)
        [warning] = [r.getMessage() for r in caplog.records if "close() stopped delivery" in r.getMessage()]
        assert "a handler is still running" in warning
        assert "499 event(s) were not delivered" in warning  # the 499 queued behind the stuck handler, at once
        release.set()
        assert wait_until(lambda: lib.stats["undelivered_at_close"] == 499, 10)  # counted when the handler returns
    assert handled[0] == 1


def test_close_delivers_everything_queued_when_time_allows(portsip_stub_library: str) -> None:
    handled: list[int] = []
    with PortSIPLib(portsip_stub_library) as lib:
        lib.initialize()
        lib.on(RecvOutOfDialogMessage, lambda e: (handled.append(StubControl.flood_tag(e)[1]), time.sleep(0.001)))
        StubControl(lib).flood(EVENT, 300)
        lib.close(timeout=30)
        assert handled == list(range(300))
        assert lib.stats["undelivered_at_close"] == 0


def late_calls() -> int:
    return events_library().late_calls()


def test_sdk_threads_calling_after_close_reach_nothing(
    portsip_stub_library: str, figure: Callable[..., None]
) -> None:
    """Flood threads keep the handler they took at the start, like SDK threads that outlive
    unInitialize: their calls after close are counted as late and go nowhere."""
    needs_proc()
    threads_before, late_before = settled(lambda: (native_threads(), late_calls()))
    handled = [0]
    lib = PortSIPLib(portsip_stub_library)
    lib.initialize()
    lib.on(RecvOutOfDialogMessage, lambda e: handled.__setitem__(0, handled[0] + 1))
    per_thread = size(20_000, 200_000)
    StubControl(lib).flood(EVENT, per_thread, threads=4, rate=50_000, wait=False)  # 0.4 s at CI size: close comes mid-flood
    assert wait_until(lambda: handled[0] > 0, 10)
    lib.close()
    received, handled_at_close = lib.stats["events_received"], handled[0]
    # counted atomically in C: each call is received or late, once
    assert wait_until(lambda: received + late_calls() - late_before >= 4 * per_thread, 60)
    assert wait_until(lambda: native_threads() <= threads_before, 60)  # the flood threads ended
    late = late_calls() - late_before
    assert lib.stats["events_received"] == received and handled[0] == handled_at_close
    assert late > 0
    assert received + late == 4 * per_thread
    figure("calls before close", received)
    figure("late calls after close, ignored", late)


def test_close_from_many_threads_at_once_is_safe(portsip_stub_library: str) -> None:
    needs_proc()
    threads_before = native_threads()
    lib = PortSIPLib(portsip_stub_library)
    lib.initialize()
    lib.on(RecvInfo, lambda e: None)
    StubControl(lib).flood(EVENT, 50_000, threads=2, wait=False)
    closers = [threading.Thread(target=lib.close) for _ in range(8)]
    for closer in closers:
        closer.start()
    for closer in closers:
        closer.join(30)
    assert lib.closed and not any(closer.is_alive() for closer in closers)
    assert wait_until(lambda: native_threads() <= threads_before, 60)
