"""Where a PortSIPLib's events come from: the backend that receives the SDK's callbacks.

Two backends install a handler for each of the 40 SDK events and queue what the SDK passes:

* ``native`` (:mod:`portsip._backend_native`): C handlers from our small library
  ``libportsip_events`` copy each event into a bounded native queue and return at once. The SDK's
  thread never takes the GIL and never waits for Python; a call after close, or after the
  interpreter has gone, cannot reach Python. Used whenever the library is available (it is built
  when the package is installed with a C compiler, and shipped prebuilt in Windows wheels).
* ``cffi`` (:mod:`portsip._backend_cffi`): ``ffi.callback`` handlers in Python, needing no
  compiler. The SDK's thread takes the GIL for each event (a few microseconds, more when Python is
  busy).

Set ``PORTSIP_BACKEND=cffi`` (or ``native``) to choose; the default takes native when it can.
Both present the same :class:`Feed` to the router of :mod:`portsip._dispatch`, and both hold at
most ``max_events`` events and ``max_bytes`` bytes between the SDK and the consumers (counted
from the SDK's call until :meth:`Feed.release`): beyond that, events are dropped on the SDK's
thread, never waited for, and counted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Protocol

from .errors import PortSIPError
from .events import Event

ENV_BACKEND = "PORTSIP_BACKEND"
BACKENDS = ("native", "cffi")


@dataclass(frozen=True)
class PipelineFailure:
    """Queued instead of an event when turning the SDK's arguments into one failed."""

    event_type: type[Event]
    error: BaseException


@dataclass(frozen=True)
class FeedCounters:
    """What a feed has counted since it was opened (events, and bytes as the budget counts them)."""

    received: int  # the SDK's calls of this instance's handlers
    dropped: int  # refused because the budget was full
    pending_events: int  # accepted and not yet released by the consumers
    pending_bytes: int
    queued_events: int  # of those, not yet taken by the router
    discarded: int  # thrown away by discard() at a close past its timeout
    frames_received: int = 0  # media frames the SDK passed (not counted in received)
    frames_dropped: int = 0  # refused because frames already held half the budget


#: A batch the router takes: the items (events, markers, PipelineFailures) in arrival order, and
#: the budget bytes of each (0 for markers).
Batch = tuple[list[object], list[int]]


class Feed(Protocol):
    """One instance's event source. ``take`` is called by one thread only (the router)."""

    backend: str  # "native" or "cffi"
    routing_id: int  # the callbackObject the SDK passes back with every event

    def connect(self, loaded: Any, dispatcher: Any) -> None:
        """Install a handler for every event on ``dispatcher`` (before PortSIP_initialize)."""

    def take(self, timeout: float | None) -> Batch | None:
        """Wait up to ``timeout`` s (None: no limit) for items; None once closed and empty."""

    def release(self, events: int, size: int, by_handlers: bool) -> None:
        """The consumers are done with ``events`` events of ``size`` budget bytes in all.

        Called by the router (``by_handlers`` False) and by the handler thread (True) only: each
        keeps its own running total, so neither needs a lock or a call into C."""

    def mark(self, marker: object) -> bool:
        """Queue ``marker`` behind every event received so far; False if the feed is closed."""

    def discard(self) -> int:
        """Drop every event not yet taken (counted as discarded); returns how many."""

    def counters(self) -> FeedCounters: ...

    def dropped(self) -> int:
        """counters().dropped, cheaply: the router reads it after every batch."""

    def frames_dropped(self) -> int:
        """counters().frames_dropped, as cheaply."""

    def frame_handler(self, frame_type: type[Event], sdk_ffi: Any) -> Any:
        """The C function pointer to pass to the SDK for this media stream callback type."""

    def callback_object(self, sdk_ffi: Any) -> Any:
        """The ``void* callbackObject`` to pass with it: this feed's routing id."""

    def close(self) -> None:
        """Stop routing the SDK's calls here (later calls are dropped); take() drains what is left."""

    def free(self) -> None:
        """Release the feed's resources, once the router has stopped calling take()."""


def chosen_backend(requested: str | None) -> str | None:
    """The backend asked for by argument or ``$PORTSIP_BACKEND``, or None for "native if possible"."""
    choice = requested if requested is not None else (os.environ.get(ENV_BACKEND) or None)
    if choice is None or choice == "auto":
        return None
    if choice not in BACKENDS:
        raise ValueError(f"unknown event backend {choice!r} (from {'the backend argument' if requested else ENV_BACKEND}); "
                         f"use one of {', '.join(BACKENDS)} or auto")
    return choice


def open_feed(requested: str | None, max_events: int, max_bytes: int) -> Feed:
    """A new feed of the chosen backend: native when its library loads, unless cffi is asked for."""
    from . import _backend_cffi, _backend_native

    choice = chosen_backend(requested)
    if choice != "cffi":
        native = _backend_native.native_library()
        if native is not None:
            return _backend_native.NativeFeed(native, max_events, max_bytes)
        if choice == "native":
            raise PortSIPError(
                "the native event backend was asked for but libportsip_events is not available: "
                f"{_backend_native.why_unavailable()}"
            )
    return _backend_cffi.CffiFeed(max_events, max_bytes)
