"""PortSIPLib: one SDK instance: its lifecycle and its events; the SDK functions come from portsip._api."""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar, overload

from . import _args
from ._api.audio import AudioAPI
from ._api.calls import CallsAPI
from ._api.codecs import CodecsAPI
from ._api.conference import ConferenceAPI
from ._api.devices import DevicesAPI
from ._api.headers import HeadersAPI
from ._api.lifecycle import LifecycleAPI
from ._api.messaging import MessagingAPI
from ._api.network import NetworkAPI
from ._api.presence import PresenceAPI
from ._api.recording import RecordingAPI
from ._api.registration import RegistrationAPI
from ._api.streams import StreamsAPI
from ._api.transfer import TransferAPI
from ._api.video import VideoAPI
from ._backend import Feed, open_feed
from ._dispatch import (
    DEFAULT_BACKLOG_SECONDS,
    DEFAULT_MAX_PENDING_BYTES,
    DEFAULT_MAX_PENDING_EVENTS,
    EventHub,
    EventStream,
    Limits,
)
from ._loader import load_library
from ._receipts import ReceiptBook
from .errors import HandlerError, PortSIPError
from .events import EVENT_TYPES, Event, MediaFrame, SIPCallbackEvents

__all__ = ["PortSIPLib"]

E = TypeVar("E", bound=Event)
# One per event class of a wait_for tuple or an async_events call (see their overloads).
E1 = TypeVar("E1", bound=Event)
E2 = TypeVar("E2", bound=Event)
E3 = TypeVar("E3", bound=Event)
E4 = TypeVar("E4", bound=Event)
E5 = TypeVar("E5", bound=Event)
E6 = TypeVar("E6", bound=Event)
Timeout: TypeAlias = "float | None"
Predicate: TypeAlias = "Callable[[E], bool] | None"

DEFAULT_CLOSE_TIMEOUT = 5.0
#: All instances left open at interpreter exit share this much time to deliver what they hold.
EXIT_TIMEOUT = 5.0

_open: dict[int, PortSIPLib] = {}
_open_lock = threading.Lock()
_atexit_registered = False


def _close_all_at_exit() -> None:
    # SDK threads must stop before the interpreter finalizes (with the cffi backend, a native thread
    # entering Python during finalization can crash), so close what the user left open.
    deadline = time.monotonic() + EXIT_TIMEOUT
    with _open_lock:
        instances = list(_open.values())
    for instance in instances:
        try:
            instance.close(timeout=max(0.0, deadline - time.monotonic()))
        except Exception:  # nothing useful to do with it at exit
            pass


def _forget_all_after_fork() -> None:
    # The child has none of the SDK's threads nor ours; using the parent's instances would corrupt it.
    # Never acquire a lock here: another thread of the parent may have held it at fork() time.
    global _open_lock
    _open_lock = threading.Lock()
    for instance in list(_open.values()):
        instance._forked = True
    _open.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_all_after_fork)


class PortSIPLib(
    LifecycleAPI,
    RegistrationAPI,
    MessagingAPI,
    PresenceAPI,
    CallsAPI,
    TransferAPI,
    ConferenceAPI,
    CodecsAPI,
    AudioAPI,
    VideoAPI,
    DevicesAPI,
    RecordingAPI,
    HeadersAPI,
    NetworkAPI,
    StreamsAPI,
):
    """One instance of the PortSIP SDK, with its events delivered as typed Python objects.

    ``library`` is the SDK's path; when None, ``$PORTSIP_SDK_LIBRARY`` or the platform's
    default name is used (see the README). Creating the object loads the library, creates
    the SDK's callback dispatcher and installs a handler for every event; call
    :meth:`initialize` next, as in the vendor's API. Use it as a context manager, or call
    :meth:`close` (idempotent). Instances still open at interpreter exit are closed then.

    Events: :meth:`on` / :meth:`attach` run handlers on a thread of the binding (never the
    SDK's); :meth:`wait_for` blocks for the oldest matching event not yet returned, including
    events that arrived before the call; :meth:`async_events` is an asyncio async iterator.

    Memory is bounded (RELIABILITY.md has the rules and figures): at most ``max_pending_events``
    events and ``max_pending_bytes`` bytes wait between the SDK and your handlers, and as many in
    each async stream; when full, new events are dropped on the SDK's thread (which never waits),
    counted in :attr:`stats` and reported through the ``"portsip"`` logger. ``wait_for`` keeps an
    event until it returns it, for at most ``backlog_seconds``, within ``backlog_events`` and
    ``backlog_bytes`` (default: the same bounds), oldest evicted first.

    ``backend`` picks how SDK callbacks are received: ``"native"`` (C handlers that never take the
    GIL; the default when the package was built with its native library), ``"cffi"``, or None
    for ``$PORTSIP_BACKEND`` / the default. :attr:`backend` says which is in use.
    """

    def __init__(
        self,
        library: str | os.PathLike[str] | None = None,
        *,
        max_pending_events: int = DEFAULT_MAX_PENDING_EVENTS,
        max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES,
        backlog_events: int | None = None,
        backlog_bytes: int | None = None,
        backlog_seconds: float = DEFAULT_BACKLOG_SECONDS,
        backend: str | None = None,
    ) -> None:
        global _atexit_registered
        self._closed = True  # until construction completes, so close()/__del__ are harmless
        self._forked = False
        limits = Limits(
            max_pending_events=_args.integer("max_pending_events", max_pending_events, "long", minimum=1),
            max_pending_bytes=_args.integer("max_pending_bytes", max_pending_bytes, "long long", minimum=1),
            backlog_events=_args.integer(
                "backlog_events", max_pending_events if backlog_events is None else backlog_events, "long", minimum=1
            ),
            backlog_bytes=_args.integer(
                "backlog_bytes", max_pending_bytes if backlog_bytes is None else backlog_bytes, "long long", minimum=1
            ),
            backlog_seconds=_args.seconds("backlog_seconds", backlog_seconds),
        )
        if backend is not None and not isinstance(backend, str):
            raise TypeError(f"backend must be a str or None, not {type(backend).__name__}")
        self._loaded = load_library(library)
        ffi, lib = self._loaded.ffi, self._loaded.lib
        self._ffi, self._c = ffi, lib
        self._lock = threading.RLock()  # serialises C calls with close()
        self._sdk: Any = ffi.NULL
        self._registered = False
        self._feed: Feed = open_feed(backend, limits.max_pending_events, limits.max_pending_bytes)
        self._id = self._feed.routing_id
        self._dispatcher = lib.PSCallback_createCallbackDispatcher()
        if self._dispatcher == ffi.NULL:
            self._feed.close()
            self._feed.free()
            raise PortSIPError("PSCallback_createCallbackDispatcher returned NULL", function="PSCallback_createCallbackDispatcher")
        self._hub = EventHub(f"portsip-{self._id}", self._feed, limits)
        self._receipts = ReceiptBook(f"portsip-{self._id}", self._hub)
        try:
            self._feed.connect(self._loaded, self._dispatcher)
        except BaseException:
            # e.g. no executable memory for callbacks: leave nothing running behind the error
            self._feed.close()
            lib.PSCallback_releaseCallbackDispatcher(self._dispatcher)
            self._hub.close(DEFAULT_CLOSE_TIMEOUT)
            raise
        with _open_lock:
            _open[self._id] = self
            if not _atexit_registered:
                atexit.register(_close_all_at_exit)
                _atexit_registered = True
        self._closed = False

    # ---- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> PortSIPLib:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("initialized" if self._sdk != self._ffi.NULL else "not initialized")
        return f"<PortSIPLib #{self._id} {state} library={self._loaded.path!r}>"

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def library_path(self) -> str:
        """The path the SDK library was loaded from."""
        return self._loaded.path

    @property
    def sdk_handle(self) -> Any:
        """The SDK's native handle (cffi ``void*``), for advanced use and portsip.testing."""
        return self._sdk

    @property
    def backend(self) -> str:
        """How SDK callbacks are received: ``"native"`` or ``"cffi"`` (see the class docstring)."""
        return self._feed.backend

    def close(self, timeout: float | None = DEFAULT_CLOSE_TIMEOUT) -> None:
        """Unregister, uninitialize the SDK, release its dispatcher, then finish event delivery.

        Events already received are still delivered to handlers, waiters and streams for up to
        ``timeout`` seconds (None: no limit; unless called from a handler, which cannot wait for
        itself); past that, delivery stops, and what was not delivered is counted in
        ``stats["undelivered_at_close"]`` and logged. Idempotent; calls after close raise
        :class:`ClosedError`.
        """
        timeout = _args.timeout("timeout", timeout)
        with self._lock:
            if self._closed:
                return
            self._closed = True
            sdk, self._sdk = self._sdk, self._ffi.NULL
            registered, self._registered = self._registered, False
        if self._forked:
            return
        try:
            if sdk != self._ffi.NULL:
                if registered:
                    self._c.PortSIP_unRegisterServer(sdk)
                # Releases the GIL; the SDK's threads may finish callbacks meanwhile.
                self._c.PortSIP_unInitialize(sdk)
            self._feed.close()  # before the dispatcher goes: no SDK call reaches this instance any more
            self._c.PSCallback_releaseCallbackDispatcher(self._dispatcher)  # only after unInitialize
        finally:
            self._hub.close(timeout)
            self._receipts.close()  # after the last outcome was delivered: the rest never comes
            with _open_lock:
                _open.pop(self._id, None)

    # ---- events -------------------------------------------------------------------------------

    @overload
    def on(self, event_type: type[E]) -> Callable[[Callable[[E], object]], Callable[[E], object]]: ...

    @overload
    def on(self, event_type: type[E], handler: Callable[[E], object]) -> Callable[[E], object]: ...

    def on(self, event_type: type[E], handler: Callable[[E], object] | None = None) -> Any:
        """Call ``handler(event)`` for every event of ``event_type`` (or a subclass: ``Event`` for all).

        Also a decorator: ``@lib.on(RecvOutOfDialogMessage)``. Handlers run in arrival order on
        the binding's handler thread; one that raises is logged and kept for :meth:`check_errors`.
        """
        if not (isinstance(event_type, type) and issubclass(event_type, Event)):
            raise TypeError(f"event_type must be an Event class from portsip.events, not {event_type!r}")
        if handler is None:

            def decorator(fn: Callable[[E], object]) -> Callable[[E], object]:
                self.on(event_type, fn)
                return fn

            return decorator
        if not callable(handler):
            raise TypeError(f"handler must be callable, not {type(handler).__name__}")
        self._usable("on", need_sdk=False)
        self._hub.add_handler(event_type, handler)
        return handler

    def off(self, event_type: type[Event], handler: Callable[..., object]) -> None:
        """Remove a handler added with :meth:`on` for ``event_type``; ValueError if it was not registered."""
        if not (isinstance(event_type, type) and issubclass(event_type, Event)):
            raise TypeError(f"event_type must be an Event class from portsip.events, not {event_type!r}")
        if not callable(handler):
            raise TypeError(f"handler must be the callable given to on(), not {type(handler).__name__}")
        if not self._hub.remove_handlers(event_type, handler):
            raise ValueError(f"{handler!r} is not a handler of {event_type.__name__}")

    def attach(self, handler_object: SIPCallbackEvents) -> None:
        """Deliver events to the ``on_<event>`` methods ``handler_object`` overrides."""
        if not isinstance(handler_object, SIPCallbackEvents):
            raise TypeError(f"handler_object must be a SIPCallbackEvents subclass instance, not {type(handler_object).__name__}")
        self._usable("attach", need_sdk=False)
        for event_type in EVENT_TYPES:
            name = event_type.handler_name
            if getattr(type(handler_object), name) is not getattr(SIPCallbackEvents, name):
                self._hub.add_handler(event_type, getattr(handler_object, name), owner=handler_object)

    def detach(self, handler_object: SIPCallbackEvents) -> None:
        """Stop delivering to an object given to :meth:`attach`."""
        if not isinstance(handler_object, SIPCallbackEvents):
            raise TypeError(f"handler_object must be a SIPCallbackEvents subclass instance, not {type(handler_object).__name__}")
        self._hub.remove_handlers(None, None, owner=handler_object)

    # wait_for((A, B)) returns A | B: one overload per tuple length, since a TypeVar over a
    # tuple would be inferred as the classes' common base (Event) by mypy.
    @overload
    def wait_for(self, event_type: type[E1] | tuple[type[E1]], timeout: Timeout = 10.0, predicate: Predicate[E1] = None) -> E1: ...
    @overload
    def wait_for(self, event_type: tuple[type[E1], type[E2]], timeout: Timeout = 10.0, predicate: Predicate[E1 | E2] = None) -> E1 | E2: ...
    @overload
    def wait_for(
        self, event_type: tuple[type[E1], type[E2], type[E3]], timeout: Timeout = 10.0, predicate: Predicate[E1 | E2 | E3] = None
    ) -> E1 | E2 | E3: ...
    @overload
    def wait_for(
        self,
        event_type: tuple[type[E1], type[E2], type[E3], type[E4]],
        timeout: Timeout = 10.0,
        predicate: Predicate[E1 | E2 | E3 | E4] = None,
    ) -> E1 | E2 | E3 | E4: ...
    @overload
    def wait_for(
        self,
        event_type: tuple[type[E1], type[E2], type[E3], type[E4], type[E5]],
        timeout: Timeout = 10.0,
        predicate: Predicate[E1 | E2 | E3 | E4 | E5] = None,
    ) -> E1 | E2 | E3 | E4 | E5: ...
    @overload
    def wait_for(
        self,
        event_type: tuple[type[E1], type[E2], type[E3], type[E4], type[E5], type[E6]],
        timeout: Timeout = 10.0,
        predicate: Predicate[E1 | E2 | E3 | E4 | E5 | E6] = None,
    ) -> E1 | E2 | E3 | E4 | E5 | E6: ...
    @overload
    def wait_for(self, event_type: tuple[type[Event], ...], timeout: Timeout = 10.0, predicate: Predicate[Event] = None) -> Event: ...

    def wait_for(self, event_type: Any, timeout: float | None = 10.0, predicate: Any = None) -> Any:
        """The oldest ``event_type`` event (matching ``predicate``) not returned before.

        ``event_type`` is an event class or a tuple of them, e.g. ``(RegisterSuccess,
        RegisterFailure)``. Events that arrived before this call count, so "send, then wait for
        the outcome" never races; an event is returned once. Raises TimeoutError after
        ``timeout`` seconds (None: wait forever) and ClosedError if the instance closes
        meanwhile. Pass a predicate to pick a particular event, e.g.
        ``lambda e: e.message_id == message_id``.
        """
        types = event_type if isinstance(event_type, tuple) else (event_type,)
        if not types or not all(isinstance(t, type) and issubclass(t, Event) for t in types):
            raise TypeError(f"event_type must be an Event class from portsip.events (or a tuple of them), not {event_type!r}")
        if any(issubclass(t, MediaFrame) for t in types):
            raise TypeError("media frames are not kept for wait_for: use on() or async_events() for them")
        timeout = _args.timeout("timeout", timeout)
        if predicate is not None and not callable(predicate):
            raise TypeError("predicate must be callable or None")
        if self._forked:
            self._usable("wait_for")
        return self._hub.wait_for(types, timeout, predicate)

    def drain(self, timeout: float | None = 10.0) -> None:
        """Wait until the handlers have run for every event received so far.

        Useful in tests and scripts: after ``drain()`` the side effects of your handlers are
        visible. Events the SDK has not delivered yet are not waited for. TimeoutError if a
        handler is still busy after ``timeout`` seconds; not callable from a handler.
        """
        self._hub.drain(_args.timeout("timeout", timeout))

    @overload
    def async_events(self) -> EventStream[Event]: ...
    @overload
    def async_events(self, t1: type[E1], /) -> EventStream[E1]: ...
    @overload
    def async_events(self, t1: type[E1], t2: type[E2], /) -> EventStream[E1 | E2]: ...
    @overload
    def async_events(self, t1: type[E1], t2: type[E2], t3: type[E3], /) -> EventStream[E1 | E2 | E3]: ...
    @overload
    def async_events(self, t1: type[E1], t2: type[E2], t3: type[E3], t4: type[E4], /) -> EventStream[E1 | E2 | E3 | E4]: ...
    @overload
    def async_events(
        self, t1: type[E1], t2: type[E2], t3: type[E3], t4: type[E4], t5: type[E5], /
    ) -> EventStream[E1 | E2 | E3 | E4 | E5]: ...
    @overload
    def async_events(
        self, t1: type[E1], t2: type[E2], t3: type[E3], t4: type[E4], t5: type[E5], t6: type[E6], /
    ) -> EventStream[E1 | E2 | E3 | E4 | E5 | E6]: ...
    @overload
    def async_events(self, *event_types: type[Event]) -> EventStream[Event]: ...

    def async_events(self, *event_types: type[Event]) -> EventStream[Any]:
        """An asyncio async iterator over events (all, or those of ``event_types``).

        It sees the events that arrive after this call, and ends when the instance closes.
        Call it from a coroutine: ``async for event in lib.async_events(RecvOutOfDialogMessage)``.
        """
        for event_type in event_types:
            if not (isinstance(event_type, type) and issubclass(event_type, Event)):
                raise TypeError(f"event types must be Event classes from portsip.events, not {event_type!r}")
        return self._hub.open_stream(tuple(event_types))

    def check_errors(self) -> None:
        """Re-raise, as :class:`HandlerError`, what handlers (or event building) raised since the last call."""
        errors = self._hub.errors()
        if errors:
            raise HandlerError(f"{len(errors)} exception(s) in event handlers; the first: {errors[0]!r}", errors) from errors[0]

    @property
    def stats(self) -> dict[str, int]:
        """Counters of this instance's event delivery (RELIABILITY.md explains how they add up).

        ``events_received`` SDK calls of this instance's handlers; ``dropped_events`` refused because
        ``max_pending_*`` was reached; ``events_pending`` received and not yet through the handlers;
        ``events_delivered`` routed to the backlog, streams and handlers; ``backlog_returned``
        returned by :meth:`wait_for`; ``backlog_evicted`` left the ``wait_for`` backlog unreturned
        (too old, or beyond its bounds); ``backlog_events`` in it now; ``stream_dropped`` dropped by
        async streams whose reader fell behind; ``handler_errors`` exceptions raised by handlers or
        while building events; ``undelivered_at_close`` not delivered because close() ran out of
        time; ``frames_received``, ``frames_dropped`` and ``frames_delivered``: the same for media
        frames, which are counted apart from events.
        Invariants: ``events_received == events_delivered + dropped_events + events_queued`` and
        ``frames_received == frames_delivered + frames_dropped`` (``events_queued``, received and
        not yet routed, events and frames, is 0 after :meth:`drain`), and
        ``events_delivered == backlog_returned + backlog_evicted + backlog_events``.
        """
        feed, hub = self._feed.counters(), self._hub
        delivered, returned, evicted, held = hub.backlog_counts()
        return {
            "events_received": feed.received,
            "dropped_events": feed.dropped,
            "events_pending": feed.pending_events,
            "events_queued": feed.queued_events,
            "events_delivered": delivered,
            "backlog_returned": returned,
            "backlog_evicted": evicted,
            "backlog_events": held,
            "stream_dropped": hub.stream_dropped,
            "handler_errors": hub.error_count,
            "undelivered_at_close": hub.undelivered_at_close,
            "frames_received": feed.frames_received,
            "frames_dropped": feed.frames_dropped,
            "frames_delivered": hub.frames_delivered,
        }
