"""Traces at scale: a long trace replays in constant memory (it is read and fired a line at a time),
and recording a flood never makes the SDK's thread or the handlers wait for the disk."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_support import MIB, UNDER_ASAN, needs_proc, peak_rss, reset_peak_rss, rss, size

from portsip import PortSIPLib
from portsip.events import RecvInfo
from portsip.testing import StubControl
from portsip.trace import TracedDrops, TracedEvent, event_json, read_trace

EVENTS = size(50_000, 1_000_000)
RSS_BOUND = 16 * MIB


def test_a_long_trace_replays_in_constant_memory(tmp_path: Path, portsip_stub_library: str, figure: Callable[..., None]) -> None:
    needs_proc()
    trace = tmp_path / "long.jsonl"
    line = event_json(RecvInfo("x" * 100)) + "\n"
    with trace.open("w", encoding="utf-8") as out:
        out.writelines(line for _ in range(EVENTS))
    with PortSIPLib(portsip_stub_library, backlog_events=1000) as lib:
        lib.initialize(local_sip_port=0)
        handled = [0]
        lib.on(RecvInfo, lambda event: handled.__setitem__(0, handled[0] + 1))
        gc.collect()
        assert reset_peak_rss() or pytest.skip("cannot reset the peak RSS on this system")
        before = rss()
        report = StubControl(lib).replay(trace, speed=0, timeout=120)
        lib.drain(120)
        growth = peak_rss() - before
        assert report.events == handled[0] == EVENTS
        assert lib.stats["dropped_events"] == lib.stats["handler_dropped"] == 0
    assert growth < RSS_BOUND or UNDER_ASAN, f"RSS grew by {growth / MIB:.1f} MiB"
    figure("events replayed", EVENTS)
    figure("peak RSS growth, MiB", growth / MIB)


def test_recording_a_flood_never_holds_it_up(tmp_path: Path, portsip_stub_library: str, figure: Callable[..., None]) -> None:
    """The recorder queues: the flood and the handlers run at their own speed; what the writer
    could not take is counted in the trace, and the trace reads whole."""
    trace = tmp_path / "flood.jsonl"
    with PortSIPLib(portsip_stub_library, max_pending_events=2 * EVENTS + 1, max_pending_bytes=2**33) as lib:
        lib.initialize(local_sip_port=0)
        handled = [0]
        lib.on(RecvInfo, lambda event: handled.__setitem__(0, handled[0] + 1))
        with lib.record(trace) as recording:
            StubControl(lib).flood(RecvInfo("y" * 100), EVENTS, threads=2)
            lib.drain(120)
        dropped = recording.dropped
        assert handled[0] == 2 * EVENTS
    items = list(read_trace(trace))
    written = sum(isinstance(item, TracedEvent) for item in items)
    assert written + sum(item.count for item in items if isinstance(item, TracedDrops)) == 2 * EVENTS
    assert dropped == 2 * EVENTS - written
    figure("events flooded", 2 * EVENTS)
    figure("written to the trace", written)
    figure("dropped by the recorder (counted in the trace)", dropped)
