"""The bounds of one instance, and the one admission rule every bounded stage of delivery follows.

Each stage owns its bound (RELIABILITY.md has the table): the native queue in C (up to the
moment the router takes a batch), the handlers' queue and the async streams (one budget shared by
all streams of an instance) here, and the ``wait_for`` backlog (which evicts instead of refusing).
An event counts for the size of its record in the native queue (``portsip_events.h``): its fixed
fields, strings and body, 8-byte aligned. That is the one measure of an event's size everywhere.

The rule, the same as the native queue's: an event is admitted while fewer than ``max_events``
events and at most ``max_bytes`` bytes are held; a media frame only while the stage holds less than
half of either (frames a consumer cannot keep up with never crowd out events); and an event bigger
than the whole budget is admitted when the stage holds nothing else, so no event is refused for ever
because of its size alone.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_PENDING_EVENTS = 10_000
DEFAULT_MAX_PENDING_BYTES = 32 * 1024 * 1024
DEFAULT_BACKLOG_SECONDS = 60.0


@dataclass(frozen=True)
class Limits:
    """The bounds of one instance (see :class:`portsip.PortSIPLib`)."""

    max_pending_events: int = DEFAULT_MAX_PENDING_EVENTS
    max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES
    backlog_events: int = DEFAULT_MAX_PENDING_EVENTS
    backlog_bytes: int = DEFAULT_MAX_PENDING_BYTES
    backlog_seconds: float = DEFAULT_BACKLOG_SECONDS


class Budget:
    """What one stage holds, against ``max_pending_events``/``max_pending_bytes``.

    Not thread-safe by itself: each stage calls it under its own lock.
    """

    __slots__ = ("_max_bytes", "_max_events", "bytes", "events")

    def __init__(self, limits: Limits) -> None:
        self._max_events = limits.max_pending_events
        self._max_bytes = limits.max_pending_bytes
        self.events = 0
        self.bytes = 0

    def admit(self, size: int, frame: bool) -> bool:
        """Take ``size`` bytes for one event (or frame) if the rule allows; False: refused."""
        held = self.events
        max_events, max_bytes = (self._max_events // 2, self._max_bytes // 2) if frame else (self._max_events, self._max_bytes)
        fits = held < max_events and self.bytes + size <= max_bytes
        if fits or held == 0:
            self.events = held + 1
            self.bytes += size
            return True
        return False

    def admit_events(self, count: int, size: int) -> bool:
        """Take ``count`` events (no frames) of ``size`` bytes in all if they all fit; else take none."""
        if self.events + count <= self._max_events and self.bytes + size <= self._max_bytes:
            self.events += count
            self.bytes += size
            return True
        return False

    def release(self, events: int, size: int) -> None:
        self.events -= events
        self.bytes -= size

    def clear(self) -> None:
        """The stage handed over everything it held."""
        self.events = self.bytes = 0
