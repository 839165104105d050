"""PortSIPLib: one SDK instance: its lifecycle and its events; the SDK functions come from portsip._api."""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Callable
from typing import IO, Any, TypeAlias, TypeVar, overload

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
from ._delivery import Delivery, EventStream, Limits
from ._delivery.budget import DEFAULT_BACKLOG_SECONDS, DEFAULT_MAX_PENDING_BYTES, DEFAULT_MAX_PENDING_EVENTS
from ._delivery.handlers import refuse_coroutine_function
from ._delivery.streams import Since
from ._loader import load_library
from .errors import HandlerError, InvalidStateError, PortSIPError
from .events import EVENT_TYPES, Event, MediaFrame, SIPCallbackEvents
from .trace import Recorder, Recording

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
    # Deliver what open instances hold and stop the SDK's threads (unInitialize) while the
    # interpreter can still run handlers: close what the user left open.
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
    SDK's); :meth:`wait_for` (and :meth:`wait_for_async` in asyncio) returns the oldest matching
    event not yet returned, including events that arrived before the call; :meth:`async_events`
    is an asyncio async iterator.

    Memory is bounded (RELIABILITY.md has the rules and figures), per stage: at most
    ``max_pending_events`` events and ``max_pending_bytes`` bytes wait in the native queue (when
    full, the SDK's thread drops the new event: it never waits), as many for your handlers, and as
    many in all the async streams together; drops are counted in :attr:`stats` and reported through
    the ``"portsip"`` logger. ``wait_for`` keeps an event until it returns it, for at most
    ``backlog_seconds``, within ``backlog_events`` and ``backlog_bytes`` (default: the same bounds),
    oldest evicted first.

    ``record``: a path to write a trace of this instance to, from its creation to :meth:`close`
    (see :meth:`record`).
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
        record: str | os.PathLike[str] | None = None,
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
        self._loaded = load_library(library)
        ffi, lib = self._loaded.ffi, self._loaded.lib
        self._ffi, self._c = ffi, lib
        self._lock = threading.RLock()  # serialises C calls with close()
        self._sdk: Any = ffi.NULL
        self._registered = False
        self._recorder: Recorder | None = None  # the trace being recorded (record())
        self._call_watchers = ()
        self._delivery = Delivery("portsip", limits)
        self._events = self._delivery.queue
        self._id = self._events.routing_id
        self._receipts = self._delivery.receipts
        self._dispatcher = lib.PSCallback_createCallbackDispatcher()
        try:
            if self._dispatcher == ffi.NULL:
                raise PortSIPError("PSCallback_createCallbackDispatcher returned NULL", function="PSCallback_createCallbackDispatcher")
            self._delivery.queue.connect(self._loaded, self._dispatcher)
        except BaseException:
            # leave nothing running behind the error
            self._delivery.queue.close()
            if self._dispatcher != ffi.NULL:
                lib.PSCallback_releaseCallbackDispatcher(self._dispatcher)
            self._delivery.close(DEFAULT_CLOSE_TIMEOUT)
            raise
        with _open_lock:
            _open[self._id] = self
            if not _atexit_registered:
                atexit.register(_close_all_at_exit)
                _atexit_registered = True
        self._closed = False
        if record is not None:
            self.record(record)

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
            self._delivery.queue.close()  # before the dispatcher goes: no SDK call reaches this instance any more
            self._c.PSCallback_releaseCallbackDispatcher(self._dispatcher)  # only after unInitialize
        finally:
            self._delivery.close(timeout)
            recorder = self._recorder
            if recorder is not None:  # after delivery: the trace has every event delivered
                self._stop_recording(recorder)
                recorder.close()
            with _open_lock:
                _open.pop(self._id, None)

    # ---- traces -------------------------------------------------------------------------------

    def record(self, out: str | os.PathLike[str] | IO[str], *, redact: bool = False) -> Recording:
        """Write a trace of this instance to ``out`` (a path, or a text file): the SDK's events from now
        on, and every SDK function called through this instance that returns an id or an error, so
        that :meth:`portsip.testing.StubControl.replay` can replay it (docs/traces.md).

        The password, the license key and every Authorization header inside signalling text never
        reach the trace; ``redact=True`` also replaces the user part of every SIP URI with a
        pseudonym (the same for the same user), so that it can be shared. Writing happens on a
        thread of its own: the SDK's thread, handlers and your calls never wait for the disk (at
        most 10,000 items wait; beyond, they are dropped and counted in the trace). Each line is
        flushed, so a process that is killed leaves a trace readable to its last whole line.

        Returns the :class:`~portsip.trace.Recording`, a context manager; ``close()`` also stops it.
        One recording at a time per instance.
        """
        if not isinstance(redact, bool):
            raise TypeError(f"redact must be a bool, not {type(redact).__name__}")
        with self._lock:
            self._usable("record", need_sdk=False)
            if self._recorder is not None:
                raise InvalidStateError("this PortSIPLib is already recording a trace: stop that recording first")
            recorder = Recorder(out, sdk_version=self._version_for_trace, redact=redact)
            self._recorder = recorder
            self._delivery.router.recorder = recorder
            self._call_watchers = (*self._call_watchers, recorder.call)
        return Recording(recorder, self._stop_recording)

    def _stop_recording(self, recorder: Recorder) -> None:
        with self._lock:
            if self._recorder is recorder:
                self._recorder = None
                self._delivery.router.recorder = None
                self._call_watchers = tuple(watcher for watcher in self._call_watchers if watcher != recorder.call)

    def _version_for_trace(self) -> str | None:
        """The SDK's version for a trace's header, if it is initialized (else None)."""
        try:
            major, minor = self.get_version()
        except PortSIPError:
            return None
        return f"{major}.{minor}"

    # ---- events -------------------------------------------------------------------------------

    @overload
    def on(self, event_type: type[E]) -> Callable[[Callable[[E], object]], Callable[[E], object]]: ...

    @overload
    def on(self, event_type: type[E], handler: Callable[[E], object]) -> Callable[[E], object]: ...

    def on(self, event_type: type[E], handler: Callable[[E], object] | None = None) -> Any:
        """Call ``handler(event)`` for every event of ``event_type`` (or a subclass: ``Event`` for all).

        Also a decorator: ``@lib.on(RecvOutOfDialogMessage)``. Handlers run in arrival order on
        a thread of the binding; one that raises is logged and kept for :meth:`check_errors`.
        A coroutine function (``async def``) is refused with TypeError: nothing would await it
        there; in asyncio use :meth:`async_events` or :meth:`wait_for_async`.
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
        refuse_coroutine_function(handler, f"the handler {handler!r}")
        self._usable("on", need_sdk=False)
        self._add_handler(event_type, handler)
        return handler

    def _add_handler(self, event_type: type[Event], handler: Callable[..., object], owner: object = None) -> None:
        self._delivery.handlers.add(event_type, handler, owner)
        self._delivery.router.handlers_added()

    def off(self, event_type: type[Event], handler: Callable[..., object]) -> None:
        """Remove a handler added with :meth:`on` for ``event_type``; ValueError if it was not registered."""
        if not (isinstance(event_type, type) and issubclass(event_type, Event)):
            raise TypeError(f"event_type must be an Event class from portsip.events, not {event_type!r}")
        if not callable(handler):
            raise TypeError(f"handler must be the callable given to on(), not {type(handler).__name__}")
        if not self._delivery.handlers.remove(event_type, handler):
            raise ValueError(f"{handler!r} is not a handler of {event_type.__name__}")

    def attach(self, handler_object: SIPCallbackEvents) -> None:
        """Deliver events to the ``on_<event>`` methods ``handler_object`` overrides (none may be ``async def``)."""
        if not isinstance(handler_object, SIPCallbackEvents):
            raise TypeError(f"handler_object must be a SIPCallbackEvents subclass instance, not {type(handler_object).__name__}")
        self._usable("attach", need_sdk=False)
        overridden = [
            event_type for event_type in EVENT_TYPES
            if getattr(type(handler_object), event_type.handler_name) is not getattr(SIPCallbackEvents, event_type.handler_name)
        ]
        for event_type in overridden:  # all checked before any is added
            method = event_type.handler_name
            refuse_coroutine_function(getattr(handler_object, method), f"{type(handler_object).__name__}.{method}")
        for event_type in overridden:
            self._add_handler(event_type, getattr(handler_object, event_type.handler_name), owner=handler_object)

    def detach(self, handler_object: SIPCallbackEvents) -> None:
        """Stop delivering to an object given to :meth:`attach`."""
        if not isinstance(handler_object, SIPCallbackEvents):
            raise TypeError(f"handler_object must be a SIPCallbackEvents subclass instance, not {type(handler_object).__name__}")
        self._delivery.handlers.remove(None, None, owner=handler_object)

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
        ``timeout`` seconds (None: wait forever), ClosedError if the instance is closed (or
        closes meanwhile) and NotInitializedError before :meth:`initialize` (no event can come).
        Pass a predicate to pick a particular event, e.g. ``lambda e: e.message_id == message_id``.
        Not callable from a handler (it would wait for events that come after the handler).
        In asyncio, use :meth:`wait_for_async`.
        """
        types, timeout, predicate = self._wait_arguments("wait_for", event_type, timeout, predicate)
        self._delivery.handlers.refuse_on_handler_thread("wait_for()")
        return self._delivery.backlog.wait(types, timeout, predicate)

    @overload
    async def wait_for_async(
        self, event_type: type[E1] | tuple[type[E1]], timeout: Timeout = 10.0, predicate: Predicate[E1] = None
    ) -> E1: ...
    @overload
    async def wait_for_async(
        self, event_type: tuple[type[E1], type[E2]], timeout: Timeout = 10.0, predicate: Predicate[E1 | E2] = None
    ) -> E1 | E2: ...
    @overload
    async def wait_for_async(
        self, event_type: tuple[type[E1], type[E2], type[E3]], timeout: Timeout = 10.0, predicate: Predicate[E1 | E2 | E3] = None
    ) -> E1 | E2 | E3: ...
    @overload
    async def wait_for_async(
        self,
        event_type: tuple[type[E1], type[E2], type[E3], type[E4]],
        timeout: Timeout = 10.0,
        predicate: Predicate[E1 | E2 | E3 | E4] = None,
    ) -> E1 | E2 | E3 | E4: ...
    @overload
    async def wait_for_async(
        self,
        event_type: tuple[type[E1], type[E2], type[E3], type[E4], type[E5]],
        timeout: Timeout = 10.0,
        predicate: Predicate[E1 | E2 | E3 | E4 | E5] = None,
    ) -> E1 | E2 | E3 | E4 | E5: ...
    @overload
    async def wait_for_async(
        self,
        event_type: tuple[type[E1], type[E2], type[E3], type[E4], type[E5], type[E6]],
        timeout: Timeout = 10.0,
        predicate: Predicate[E1 | E2 | E3 | E4 | E5 | E6] = None,
    ) -> E1 | E2 | E3 | E4 | E5 | E6: ...
    @overload
    async def wait_for_async(
        self, event_type: tuple[type[Event], ...], timeout: Timeout = 10.0, predicate: Predicate[Event] = None
    ) -> Event: ...

    async def wait_for_async(self, event_type: Any, timeout: float | None = 10.0, predicate: Any = None) -> Any:
        """:meth:`wait_for` for asyncio: ``await lib.wait_for_async(RecvOutOfDialogMessage, timeout=5)``.

        The same rule: the oldest matching event not returned before, *including events that
        arrived before the call*, so ``await lib.send_text(...)`` then ``await
        lib.wait_for_async(...)`` finds the reply even when it came first. The event loop is never
        blocked; the predicate runs on it. Use this to wait for one event (an outcome, a reply);
        use :meth:`async_events` to follow a stream of them.
        """
        types, timeout, predicate = self._wait_arguments("wait_for_async", event_type, timeout, predicate)
        return await self._delivery.backlog.wait_async(types, timeout, predicate)

    def _wait_arguments(
        self, function: str, event_type: Any, timeout: Any, predicate: Any
    ) -> tuple[tuple[type[Event], ...], float | None, Any]:
        """The checked arguments of a wait, or the exception that says why it cannot wait now."""
        types = event_type if isinstance(event_type, tuple) else (event_type,)
        if not types or not all(isinstance(t, type) and issubclass(t, Event) for t in types):
            raise TypeError(f"event_type must be an Event class from portsip.events (or a tuple of them), not {event_type!r}")
        if any(issubclass(t, MediaFrame) for t in types):
            raise TypeError("media frames are not kept for wait_for or wait_for_async: use on() or async_events() for them")
        timeout = _args.timeout("timeout", timeout)
        if predicate is not None and not callable(predicate):
            raise TypeError("predicate must be callable or None")
        self._usable(function)  # closed, not initialized, or from before a fork: nothing will come
        return types, timeout, predicate

    def drain(self, timeout: float | None = 10.0) -> None:
        """Wait until the handlers have run for every event received so far.

        Useful in tests and scripts: after ``drain()`` the side effects of your handlers are
        visible. Events the SDK has not delivered yet are not waited for. TimeoutError if a
        handler is still busy after ``timeout`` seconds; not callable from a handler.
        """
        self._delivery.router.drain(_args.timeout("timeout", timeout))

    @overload
    def async_events(self, *, since: Since = "now") -> EventStream[Event]: ...
    @overload
    def async_events(self, t1: type[E1], /, *, since: Since = "now") -> EventStream[E1]: ...
    @overload
    def async_events(self, t1: type[E1], t2: type[E2], /, *, since: Since = "now") -> EventStream[E1 | E2]: ...
    @overload
    def async_events(self, t1: type[E1], t2: type[E2], t3: type[E3], /, *, since: Since = "now") -> EventStream[E1 | E2 | E3]: ...
    @overload
    def async_events(
        self, t1: type[E1], t2: type[E2], t3: type[E3], t4: type[E4], /, *, since: Since = "now"
    ) -> EventStream[E1 | E2 | E3 | E4]: ...
    @overload
    def async_events(
        self, t1: type[E1], t2: type[E2], t3: type[E3], t4: type[E4], t5: type[E5], /, *, since: Since = "now"
    ) -> EventStream[E1 | E2 | E3 | E4 | E5]: ...
    @overload
    def async_events(
        self, t1: type[E1], t2: type[E2], t3: type[E3], t4: type[E4], t5: type[E5], t6: type[E6], /, *, since: Since = "now"
    ) -> EventStream[E1 | E2 | E3 | E4 | E5 | E6]: ...
    @overload
    def async_events(self, *event_types: type[Event], since: Since = "now") -> EventStream[Event]: ...

    def async_events(self, *event_types: type[Event], since: Since = "now") -> EventStream[Any]:
        """An asyncio async iterator over events (all, or those of ``event_types``).

        ``since="now"`` (the default): the events that arrive after this call. ``since="backlog"``:
        first the events of those types the :meth:`wait_for` backlog still holds (oldest first),
        then the new ones, none missed and none twice; the backlog keeps them for ``wait_for``
        too. It ends when the instance closes. Call it from a coroutine:
        ``async for event in lib.async_events(RecvOutOfDialogMessage)``. To wait for one event
        (a reply, an outcome), :meth:`wait_for_async` is simpler.
        """
        for event_type in event_types:
            if not (isinstance(event_type, type) and issubclass(event_type, Event)):
                raise TypeError(f"event types must be Event classes from portsip.events, not {event_type!r}")
        if since not in ("now", "backlog"):
            raise ValueError(f'since must be "now" or "backlog", not {since!r}')
        if since == "backlog" and any(issubclass(t, MediaFrame) for t in event_types):
            raise ValueError('media frames are not kept in the backlog: since="backlog" cannot apply to them')
        return self._delivery.streams.open(tuple(event_types), since)

    def check_errors(self) -> None:
        """Re-raise, as :class:`HandlerError`, what handlers (or event building) raised since the last call."""
        errors = self._delivery.errors.take()
        if errors:
            raise HandlerError(f"{len(errors)} exception(s) in event handlers; the first: {errors[0]!r}", errors) from errors[0]

    @property
    def stats(self) -> dict[str, int]:
        """Counters of this instance's event delivery (RELIABILITY.md explains how they add up).

        ``events_received`` SDK calls of this instance's event handlers; ``dropped_events`` refused
        on the SDK's thread because the native queue held ``max_pending_*``; ``events_queued`` in the
        native queue, not yet routed; ``events_discarded`` thrown away from it by a close() past its
        timeout; ``events_delivered`` routed (to the backlog, the streams and the handlers);
        ``backlog_returned`` returned by a wait; ``backlog_evicted`` left the backlog unreturned (too
        old, or beyond its bounds); ``backlog_events`` in it now; ``events_handled`` events and
        frames whose handlers have run; ``handler_dropped`` not given to handlers because they were
        behind by ``max_pending_*``; ``events_pending`` received and not yet through the handlers
        (queued, or waiting for handlers); ``stream_dropped`` dropped by async streams whose readers
        fell behind; ``handler_errors`` exceptions raised by handlers or while building events;
        ``undelivered_at_close`` discarded or not handled because close() ran out of time;
        ``frames_received``, ``frames_dropped`` and ``frames_delivered``: media frames, counted apart.
        Invariants: ``events_received == events_delivered + dropped_events + events_queued +
        events_discarded``, ``events_delivered == backlog_returned + backlog_evicted +
        backlog_events`` and ``frames_received == frames_delivered + frames_dropped`` (after
        :meth:`drain`).
        """
        return self._delivery.stats()
