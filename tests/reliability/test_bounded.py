"""Bounded: a flood nobody keeps up with (no consumer, an async stream nobody reads, a slow handler)
stays within the documented default bounds; what does not fit is dropped where it does not fit (on
the SDK's thread, for the handlers, for the streams), counted, and reported through the "portsip"
logger at most once a second; every event is accounted for, exactly:

    events_received == events_delivered + dropped_events + events_queued + events_discarded
    events_delivered == backlog_returned + backlog_evicted + backlog_events
    a stream:   events it was offered == events read from it + its dropped
    handlers:   events_delivered == handler calls + handler_dropped + undelivered_at_close - events_discarded
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import statistics
import time
from collections.abc import Callable

import pytest
from reliability_support import MIB, UNDER_ASAN, needs_proc, peak_rss, reset_peak_rss, rss, size, wait_until

from portsip import PortSIPLib
from portsip._delivery.budget import DEFAULT_MAX_PENDING_BYTES, DEFAULT_MAX_PENDING_EVENTS
from portsip.events import RecvOutOfDialogMessage
from portsip.testing import StubControl

THREADS = 4
PER_THREAD = size(50_000, 250_000)
SENT = THREADS * PER_THREAD
#: Peak RSS growth allowed with the default bounds (10,000 events / 32 MiB in each place that holds
#: events): about 20 MiB is used; without bounds the CI size alone would take over 100 MiB.
RSS_BOUND = 64 * MIB
EVENT = RecvOutOfDialogMessage("Flood", "sip:flood@example.com", "Bob", "sip:bob@example.com", "text", "plain", bytes(64))
DROP_REPORT = re.compile(r"(\d+) SDK event\(s\) dropped")
HANDLER_DROP_REPORT = re.compile(r"(\d+) event\(s\) dropped for handlers")


def reported_drops(caplog: pytest.LogCaptureFixture, report: re.Pattern[str] = DROP_REPORT) -> list[int]:
    return [int(m.group(1)) for r in caplog.records if r.name == "portsip" and (m := report.search(r.getMessage()))]


def check_feed_invariants(lib: PortSIPLib) -> dict[str, int]:
    stats = lib.stats
    assert stats["events_received"] == SENT  # the flood returned: every call was counted
    assert stats["events_received"] == (
        stats["events_delivered"] + stats["dropped_events"] + stats["events_queued"] + stats["events_discarded"]
    )
    assert stats["events_delivered"] == stats["backlog_returned"] + stats["backlog_evicted"] + stats["backlog_events"]
    # the bounds were reached: events were dropped at the SDK's edge or evicted from the backlog
    assert stats["dropped_events"] + stats["backlog_evicted"] > 0
    assert stats["backlog_events"] <= DEFAULT_MAX_PENDING_EVENTS
    return stats


@pytest.mark.parametrize("consumer", ["nobody", "unread_stream", "slow_handler"])
def test_a_flood_nobody_keeps_up_with_stays_within_the_default_bounds(
    portsip_stub_library: str, consumer: str, figure: Callable[..., None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    needs_proc()
    handled = [0]

    def slow(event: RecvOutOfDialogMessage) -> None:
        handled[0] += 1
        time.sleep(0.001)

    lib = PortSIPLib(portsip_stub_library)  # the documented defaults
    try:
        lib.initialize()
        control = StubControl(lib)
        if consumer == "slow_handler":
            lib.on(RecvOutOfDialogMessage, slow)
        gc.collect()
        assert reset_peak_rss() or pytest.skip("cannot reset the peak RSS on this system")
        before = rss()
        began = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="portsip"):
            if consumer == "unread_stream":
                read = flood_past_an_unread_stream(lib, control)
            else:
                control.flood(EVENT, PER_THREAD, threads=THREADS)
            flood_seconds = time.monotonic() - began
            if consumer == "slow_handler":  # the router has handed everything on: the counts are still
                # (a batch it has taken from the queue is counted as delivered a moment later)
                assert wait_until(lambda: (s := lib.stats)["events_queued"] == 0
                                  and s["events_received"] == s["events_delivered"] + s["dropped_events"], 10)
            else:
                lib.drain()
            growth = peak_rss() - before
            stats = check_feed_invariants(lib)
            # every drop is reported, in at most one warning a second (plus the one at the start)
            assert wait_until(lambda: sum(reported_drops(caplog)) == lib.stats["dropped_events"], 5)
            assert len(reported_drops(caplog)) <= time.monotonic() - began + 2
            if consumer == "slow_handler":
                assert stats["handler_dropped"] > 0  # handlers were behind by the whole budget
                assert wait_until(lambda: sum(reported_drops(caplog, HANDLER_DROP_REPORT)) == lib.stats["handler_dropped"], 5)
                lib.close(timeout=0.5)
                stats = lib.stats
                assert stats["undelivered_at_close"] > 0
                assert stats["events_delivered"] == (
                    handled[0] + stats["handler_dropped"] + stats["undelivered_at_close"] - stats["events_discarded"]
                )
        durations = control.callback_durations() if not lib.closed else []
        if consumer == "unread_stream":
            assert read + stats["stream_dropped"] == stats["events_delivered"]
            assert read <= DEFAULT_MAX_PENDING_EVENTS
        assert growth < RSS_BOUND or UNDER_ASAN, f"RSS grew by {growth / MIB:.1f} MiB"
        figure("events sent", SENT)
        figure("dropped on the SDK's thread", stats["dropped_events"])
        figure("evicted from the backlog", stats["backlog_evicted"])
        if consumer == "slow_handler":
            figure("dropped for the handler", stats["handler_dropped"])
        if consumer == "unread_stream":
            figure("dropped by the stream", stats["stream_dropped"])
        figure("peak RSS growth, MiB", growth / MIB)
        figure("drop warnings logged", len(reported_drops(caplog)))
        figure("flood seconds", flood_seconds)
        if durations:
            figure("SDK-thread time per call, median us", statistics.median(durations) / 1000)
            figure("SDK-thread time per call, max us", max(durations) / 1000)
    finally:
        lib.close()
    assert DEFAULT_MAX_PENDING_BYTES == 32 * MIB  # the defaults RELIABILITY.md states


def flood_past_an_unread_stream(lib: PortSIPLib, control: StubControl) -> int:
    """Flood while an async stream exists that nobody reads; then read what it holds: how many."""

    async def main() -> int:
        loop = asyncio.get_running_loop()
        stream = lib.async_events(RecvOutOfDialogMessage)
        await loop.run_in_executor(None, lambda: control.flood(EVENT, PER_THREAD, threads=THREADS))
        await loop.run_in_executor(None, lib.drain)
        stats = lib.stats
        assert stream.dropped == stats["stream_dropped"]
        # the stream is full once more events were delivered than it holds (how many were, depends
        # on how fast the router took them from the SDK's edge)
        assert (stream.dropped > 0) == (stats["events_delivered"] > DEFAULT_MAX_PENDING_EVENTS)
        read = 0
        async with stream:
            while read + stream.dropped < stats["events_delivered"]:
                await asyncio.wait_for(stream.__anext__(), 10)
                read += 1
        return read

    return asyncio.run(main())
