"""Roster: the presence of the people you follow and of those who follow you, kept for you.

Every PortSIP sample application writes this by hand: a contact list with its own subscription
state machine, re-subscribing after a failure or a restart, an accept/reject policy for watchers
and, in P2P mode, one ``set_presence_status(subscribe_id, text)`` per accepted watcher whenever
the status changes. :class:`Roster` does it on the public API of :class:`~portsip.PortSIPLib`,
so it works the same on the SDK and the stub.

What v17.1 can tell (docs/presence-and-chat.md has the details): a SUBSCRIBE has no outcome
event and presence events carry no subscribe id, so a contact's state comes from the
``PresenceOnline`` / ``PresenceOffline`` events of its URI alone. ``active`` is certain (the
contact sent an online state); ``terminated`` (an offline state arrived) covers "refused",
"unknown", "unreachable", "offline" and "ended", which v17.1 reports alike; the roster then
re-subscribes with backoff. A refusal is certain only on the side that refused: there the
watcher is reported ``refused``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Literal, TypeAlias, TypeVar

from . import _args
from ._changes import Timers, Waiters, call_each, check_timeout
from ._lib import PortSIPLib
from ._receipts import contact as _sip_key
from .enums import PresenceMode
from .errors import ClosedError, InvalidStateError, NotFoundError, PortSIPError
from .events import PresenceOffline, PresenceOnline, PresenceRecvSubscribe, RegisterFailure, RegisterSuccess

__all__ = ["Roster", "Contact", "Watcher", "RosterSnapshot", "AcceptPolicy", "UriMap"]

log = logging.getLogger("portsip")
V = TypeVar("V")

SubscriptionState: TypeAlias = Literal["pending", "active", "terminated"]
WatcherState: TypeAlias = Literal["pending", "active", "refused", "terminated"]
#: Who may watch you: everyone (True), no one (False), the URIs listed, or a function of the
#: request that returns True (accept), False (refuse) or None (decide later: accept_watcher()).
AcceptPolicy: TypeAlias = (
    "bool | list[str] | tuple[str, ...] | AbstractSet[str] | Callable[[PresenceRecvSubscribe], bool | None]"  # a str is refused
)

_Key = tuple[str, str]
_MAX_WAIT = 7 * 86_400.0


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _key(uri: str, what: str = "uri") -> _Key:
    _args.text(what, uri)  # a str without NUL, as every SDK string
    key = _sip_key(uri)
    if not key[0]:
        raise ValueError(f"{what} must name a user (sip:user@domain), not {uri!r}")
    return key


def _find(table: Mapping[_Key, V], key: _Key) -> V | None:
    """The entry ``key`` names: its own, else one of the same user where either side has no domain
    (the stub and the SDK route ``bob`` and ``bob@example.com`` alike in P2P use)."""
    found = table.get(key)
    if found is not None:
        return found
    user, host = key
    for (other_user, other_host), value in table.items():
        if other_user == user and (not host or not other_host):
            return value
    return None


@dataclass(frozen=True)
class Contact:
    """Someone you follow, as of ``since`` (UTC): the state of your subscription to their presence.

    ``subscription``: ``"pending"`` (subscribed, nothing heard yet), ``"active"`` (they sent an
    online state: your subscription was accepted) or ``"terminated"`` (they appear offline: on
    v17.1 this also means refused, unknown, unreachable or ended; the roster re-subscribes with
    backoff). ``online`` and ``status_text`` are their last reported state.
    """

    uri: str
    display_name: str
    subscription: SubscriptionState
    online: bool
    status_text: str
    since: datetime


@dataclass(frozen=True)
class Watcher:
    """Someone who asked to follow your presence (an incoming SUBSCRIBE, ``PresenceRecvSubscribe``).

    ``state``: ``"pending"`` (your accept policy left it undecided: call
    :meth:`Roster.accept_watcher` or :meth:`Roster.refuse_watcher`), ``"active"`` (accepted: they
    get your status), ``"refused"`` or ``"terminated"`` (their subscription is gone). Only pending
    and active watchers stay in :attr:`Roster.watchers`; the other two are reported to
    :meth:`Roster.on_change` as they leave. ``subscribe_id`` is the newest subscription's id.
    """

    uri: str
    display_name: str
    subscribe_id: int
    state: WatcherState
    subject: str
    since: datetime


@dataclass(frozen=True)
class RosterSnapshot:
    """The roster at one moment: contacts and watchers in the order they came, your status."""

    contacts: tuple[Contact, ...]
    watchers: tuple[Watcher, ...]
    status: str | None


class UriMap(Mapping[str, V]):
    """A read-only mapping of SIP URIs that compares keys as SIP routes them: ``sip:bob@Example.com``,
    ``bob@example.com`` and ``<sip:bob@example.com;transport=udp>`` find the same entry. It iterates
    over the URIs as they were first given."""

    def __init__(self, entries: Iterable[tuple[str, V]]) -> None:
        self._by_key: dict[_Key, tuple[str, V]] = {}
        for uri, value in entries:
            self._by_key[_sip_key(uri)] = (uri, value)

    def __getitem__(self, uri: str) -> V:
        if not isinstance(uri, str):
            raise KeyError(uri)
        found = _find(self._by_key, _sip_key(uri))
        if found is None:
            raise KeyError(uri)
        return found[1]

    def __iter__(self) -> Iterator[str]:
        return (uri for uri, _ in self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def __repr__(self) -> str:
        return f"UriMap({ {uri: value for uri, value in self._by_key.values()}!r})"


class _ContactState:
    __slots__ = ("display_name", "failures", "key", "online", "retry", "since", "status_text", "subscribe_id", "subscription", "uri")

    def __init__(self, uri: str, key: _Key, display_name: str) -> None:
        self.uri, self.key, self.display_name = uri, key, display_name
        self.subscription: SubscriptionState = "pending"
        self.online = False
        self.status_text = ""
        self.since = _now()
        self.subscribe_id: int | None = None
        self.retry: int | None = None  # the timer of a scheduled re-subscription
        self.failures = 0  # offline answers in a row: the backoff's exponent

    def frozen(self) -> Contact:
        return Contact(self.uri, self.display_name, self.subscription, self.online, self.status_text, self.since)


class _WatcherState:
    __slots__ = ("display_name", "ids", "since", "state", "subject", "uri")

    def __init__(self, uri: str, display_name: str, subject: str) -> None:
        self.uri, self.display_name, self.subject = uri, display_name, subject
        self.ids: list[int] = []  # live subscriptions of this URI (one per device), oldest first
        self.state: WatcherState = "pending"
        self.since = _now()

    def frozen(self, state: WatcherState | None = None, subscribe_id: int | None = None) -> Watcher:
        newest = subscribe_id if subscribe_id is not None else (self.ids[-1] if self.ids else 0)
        return Watcher(self.uri, self.display_name, newest, state or self.state, self.subject, self.since)


class Roster:
    """The presence of your contacts and watchers on one :class:`~portsip.PortSIPLib`.

    ``Roster(lib, accept=True)`` starts handling presence at once: it installs its own handlers
    (``PresenceOnline``, ``PresenceOffline``, ``PresenceRecvSubscribe``, ``RegisterSuccess``,
    ``RegisterFailure``) beside yours, which keep receiving every event, and sets the SDK's
    presence ``mode`` (P2P by default; ``PresenceMode.AGENT`` for a presence server).

    * ``accept``: who may watch you (see :data:`AcceptPolicy`); the default accepts no one.
    * ``status``: the status sent to a watcher on acceptance before :meth:`set_status` is called
      (None: nothing is sent, and the watcher sees you as pending).
    * ``subject``: the subject of the roster's SUBSCRIBEs.
    * ``backoff``: (first, longest) delay in seconds of the re-subscriptions after an offline
      answer; the delay doubles from the first to the longest, with a random 20 % spread.

    Changes (a contact's state, a watcher coming or going) are reported to the functions given
    to :meth:`on_change`, on the binding's handler thread, with the new :class:`Contact` or
    :class:`Watcher`. :meth:`close` (or leaving a ``with`` block) ends its subscriptions and
    removes its handlers; closing the PortSIPLib closes the roster within a second.
    """

    def __init__(
        self,
        lib: PortSIPLib,
        accept: AcceptPolicy = False,
        *,
        mode: PresenceMode = PresenceMode.P2P,
        status: str | None = None,
        subject: str = "",
        backoff: tuple[float, float] = (2.0, 300.0),
    ) -> None:
        if not isinstance(lib, PortSIPLib):
            raise TypeError(f"Roster needs a PortSIPLib, not {type(lib).__name__}")
        self._lib = lib
        self._accept = _policy(accept)
        first, longest = backoff
        self._backoff = (_args.seconds("backoff[0]", first, _MAX_WAIT), _args.seconds("backoff[1]", longest, _MAX_WAIT))
        if not 0 < self._backoff[0] <= self._backoff[1]:
            raise ValueError(f"backoff must be (first, longest) with 0 < first <= longest, not {backoff!r}")
        self._subject = subject
        _args.text("subject", subject)
        if status is not None:
            _args.text("status", status)
        self._mode = _args.choice("mode", mode, PresenceMode)
        self._status: str | None = status
        self._waiters = Waiters()
        self._lock = self._waiters.lock
        self._status_lock = threading.RLock()  # status sends in order: a new watcher never ends with an older status
        self._contacts: dict[_Key, _ContactState] = {}
        self._watchers: dict[_Key, _WatcherState] = {}
        self._callbacks: list[Callable[[Contact | Watcher], object]] = []
        self._closed = False
        self._handler_thread: int | None = None
        self._registered_before: bool | None = None  # None: no registration outcome seen yet
        self._timers = Timers(f"portsip-roster-{id(self):x}", lambda: lib.closed, self.close)
        lib.set_presence_mode(self._mode)
        self._handlers: list[tuple[type[Any], Callable[[Any], None]]] = [
            (PresenceOnline, self._on_online),
            (PresenceOffline, self._on_offline),
            (PresenceRecvSubscribe, self._on_subscribe),
            (RegisterSuccess, self._on_registered),
            (RegisterFailure, self._on_not_registered),
        ]
        for event_type, handler in self._handlers:
            lib.on(event_type, handler)
        self._timers.start()

    # ---- contacts -------------------------------------------------------------------------------

    @property
    def contacts(self) -> UriMap[Contact]:
        """Your contacts now: URI -> :class:`Contact` (a snapshot; URIs compare as SIP routes them)."""
        with self._lock:
            return UriMap((state.uri, state.frozen()) for state in self._contacts.values())

    def add(self, uri: str, display_name: str = "") -> Contact:
        """Follow ``uri``'s presence (SUBSCRIBE); returns the contact, ``pending`` until they answer.

        Adding a URI already in the roster (in any form that routes alike) returns that contact,
        with ``display_name`` updated if given. SDK errors of the SUBSCRIBE are raised, and the
        contact is then not added.
        """
        key = _key(uri)
        _args.text("display_name", display_name)
        with self._lock:
            self._usable("add")
            state = _find(self._contacts, key)
            if state is not None:
                if display_name:
                    state.display_name = display_name
                return state.frozen()
            state = self._contacts[key] = _ContactState(uri, key, display_name)
        try:
            subscribe_id = self._lib.presence_subscribe(uri, self._subject)
        except BaseException:
            with self._lock:
                self._contacts.pop(key, None)
            raise
        with self._lock:
            state.subscribe_id = subscribe_id
            return state.frozen()

    def remove(self, uri: str) -> None:
        """Stop following ``uri`` (its subscription ends); KeyError if it is not a contact."""
        key = _key(uri)
        with self._lock:
            state = _find(self._contacts, key)
            if state is None:
                raise KeyError(uri)
            del self._contacts[state.key]
            self._timers.cancel(state.retry)
            subscribe_id = state.subscribe_id
        self._waiters.changed()  # a wait for it ends with KeyError
        self._end_subscription(subscribe_id)

    def wait_for(
        self, uri: str, online: bool = True, timeout: float = 10.0, predicate: Callable[[Contact], bool] | None = None
    ) -> Contact:
        """Block until the contact ``uri`` is online (or offline, ``online=False``) and ``predicate``
        holds; returns the contact then (at once if it already is).

        TimeoutError after ``timeout`` seconds, KeyError if ``uri`` is not (or no longer) a contact,
        ClosedError if the roster closes. Not callable from an event handler (it would wait for
        the thread that brings the change); use :meth:`on_change` there.
        """
        check = self._contact_check(uri, online, predicate)
        if self._handler_thread == threading.get_ident():
            raise InvalidStateError("Roster.wait_for() called from an event handler: it would wait for itself; use on_change()")
        return self._waiters.wait(check, check_timeout(timeout), f"{uri} {'online' if online else 'offline'}")

    async def wait_for_async(
        self, uri: str, online: bool = True, timeout: float = 10.0, predicate: Callable[[Contact], bool] | None = None
    ) -> Contact:
        """:meth:`wait_for` for asyncio: ``await roster.wait_for_async(uri)`` never blocks the loop."""
        check = self._contact_check(uri, online, predicate)
        return await self._waiters.wait_async(check, check_timeout(timeout), f"{uri} {'online' if online else 'offline'}")

    def _contact_check(self, uri: str, online: bool, predicate: Callable[[Contact], bool] | None) -> Callable[[], Contact | None]:
        key = _key(uri)
        if not isinstance(online, bool):
            raise TypeError(f"online must be a bool, not {type(online).__name__}")
        if predicate is not None and not callable(predicate):
            raise TypeError("predicate must be callable or None")

        def check() -> Contact | None:
            if self._closed:
                raise ClosedError("the roster was closed")
            state = _find(self._contacts, key)
            if state is None:
                raise KeyError(uri)
            contact = state.frozen()
            if contact.online == online and (predicate is None or predicate(contact)):
                return contact
            return None

        with self._lock:
            check()  # raises now for an unknown contact or a closed roster
        return check

    # ---- watchers and your status ----------------------------------------------------------------

    @property
    def watchers(self) -> UriMap[Watcher]:
        """Who watches you now (pending and active): URI -> :class:`Watcher`."""
        with self._lock:
            return UriMap((state.uri, state.frozen()) for state in self._watchers.values())

    @property
    def status(self) -> str | None:
        """Your status as last set (None: never set)."""
        return self._status

    def set_status(self, text: str) -> None:
        """Your status for those who watch you; ``"Offline"`` makes you appear offline.

        P2P mode: a NOTIFY to every accepted watcher now, and to each one accepted later. Agent
        mode: a PUBLISH (``set_presence_status(0, text)``), repeated when a watcher is accepted.
        A watcher whose subscription the SDK no longer knows is dropped (reported as
        ``terminated``).
        """
        _args.text("text", text)
        with self._status_lock:
            with self._lock:
                self._usable("set_status")
                self._status = text
                targets = [(state, list(state.ids)) for state in self._watchers.values() if state.state == "active"]
            if self._mode == PresenceMode.AGENT:
                self._lib.set_presence_status(0, text)
                return
            gone = [(state, subscribe_id) for state, ids in targets for subscribe_id in ids if not self._notify(subscribe_id, text)]
        self._forget_subscriptions(gone)

    def accept_watcher(self, uri: str) -> Watcher:
        """Accept a pending watcher (left undecided by a policy function returning None)."""
        return self._decide(uri, True)

    def refuse_watcher(self, uri: str) -> Watcher:
        """Refuse a pending watcher."""
        return self._decide(uri, False)

    def _decide(self, uri: str, accept: bool) -> Watcher:
        key = _key(uri)
        with self._lock:
            state = _find(self._watchers, key)
            if state is None or state.state != "pending":
                raise KeyError(f"{uri} is not a pending watcher")
            ids = list(state.ids)
        changes = [self._answer(state, subscribe_id, accept) for subscribe_id in ids]
        self._report([change for change in changes if change is not None])
        return changes[-1] if changes and changes[-1] is not None else state.frozen()

    # ---- changes ----------------------------------------------------------------------------------

    def on_change(self, fn: Callable[[Contact | Watcher], object]) -> Callable[[Contact | Watcher], object]:
        """Call ``fn(contact_or_watcher)`` after each change the network brings (a contact's state,
        a watcher arriving, accepted, refused or gone), on the binding's handler thread, in order.
        Your own :meth:`add` / :meth:`remove` are not reported. Also a decorator; returns ``fn``."""
        if not callable(fn):
            raise TypeError(f"on_change needs a callable, not {type(fn).__name__}")
        with self._lock:
            self._callbacks.append(fn)
        return fn

    def off_change(self, fn: Callable[[Contact | Watcher], object]) -> None:
        """Stop calling ``fn``; ValueError if it was not given to :meth:`on_change`."""
        with self._lock:
            self._callbacks.remove(fn)

    def snapshot(self) -> RosterSnapshot:
        with self._lock:
            return RosterSnapshot(
                tuple(state.frozen() for state in self._contacts.values()),
                tuple(state.frozen() for state in self._watchers.values()),
                self._status,
            )

    def to_json(self) -> str:
        """The snapshot as JSON: ``{"contacts": [...], "watchers": [...], "status": ...}``, each
        contact and watcher with its fields (``since`` in ISO 8601). :meth:`from_json` reads it back."""
        snapshot = self.snapshot()
        return json.dumps({
            "contacts": [_jsonable(asdict(contact)) for contact in snapshot.contacts],
            "watchers": [_jsonable(asdict(watcher)) for watcher in snapshot.watchers],
            "status": snapshot.status,
        })

    @classmethod
    def from_json(
        cls, lib: PortSIPLib, text: str, accept: AcceptPolicy = False, **options: Any
    ) -> Roster:
        """A new roster on ``lib`` following the contacts (URI and display name) of a
        :meth:`to_json` text; their states are learnt anew. A status in the text becomes the
        roster's ``status`` unless ``options`` gives one. ValueError for text that is not one."""
        try:
            document = json.loads(text)
        except (TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a roster's JSON: {exc}") from None
        if not isinstance(document, dict) or not isinstance(document.get("contacts"), list):
            raise ValueError('not a roster\'s JSON: expected an object with a "contacts" list')
        contacts = []
        for entry in document["contacts"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("uri"), str) or not isinstance(entry.get("display_name", ""), str):
                raise ValueError(f'not a roster contact: {entry!r} (expected {{"uri": str, "display_name": str}})')
            contacts.append((entry["uri"], entry.get("display_name", "")))
        status = document.get("status")
        if status is not None and not isinstance(status, str):
            raise ValueError(f"not a roster's JSON: status must be a string or null, not {status!r}")
        options.setdefault("status", status)
        roster = cls(lib, accept, **options)
        try:
            for uri, display_name in contacts:
                roster.add(uri, display_name)
        except BaseException:
            roster.close()
            raise
        return roster

    # ---- lifetime ---------------------------------------------------------------------------------

    def close(self) -> None:
        """End the roster's subscriptions (contacts' and watchers'), remove its handlers; idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            contacts, self._contacts = list(self._contacts.values()), {}
            watchers, self._watchers = list(self._watchers.values()), {}
        self._waiters.changed()
        self._timers.close()
        for event_type, handler in self._handlers:
            with contextlib.suppress(ValueError):
                self._lib.off(event_type, handler)
        for contact in contacts:
            self._end_subscription(contact.subscribe_id)
        for watcher in watchers:
            for subscribe_id in watcher.ids:
                self._end_subscription(subscribe_id)

    def __enter__(self) -> Roster:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        with self._lock:
            return f"<Roster {len(self._contacts)} contacts, {len(self._watchers)} watchers{' closed' if self._closed else ''}>"

    # ---- the handlers (on the binding's handler thread) -------------------------------------------

    def _on_online(self, event: PresenceOnline) -> None:
        self._handler_thread = threading.get_ident()
        with self._lock:
            state = _find(self._contacts, _sip_key(event.from_uri))
            if state is None:
                return
            self._timers.cancel(state.retry)
            state.retry, state.failures = None, 0
            changed = self._set_locked(state, "active", True, event.state_text, event.from_display_name)
        self._report(changed)

    def _on_offline(self, event: PresenceOffline) -> None:
        self._handler_thread = threading.get_ident()
        with self._lock:
            state = _find(self._contacts, _sip_key(event.from_uri))
            if state is None:
                return
            changed = self._set_locked(state, "terminated", False, "", event.from_display_name)
            state.failures += 1
            if state.retry is None:
                state.retry = self._timers.call_later(self._delay(state.failures), lambda: self._resubscribe(state))
        self._report(changed)

    def _on_subscribe(self, event: PresenceRecvSubscribe) -> None:
        self._handler_thread = threading.get_ident()
        key = _sip_key(event.from_uri)
        with self._lock:
            if self._closed:
                return
            state = _find(self._watchers, key)
            if state is None:
                state = self._watchers[key] = _WatcherState(event.from_uri, event.from_display_name, event.subject)
            state.ids.append(event.subscribe_id)
            state.subject = event.subject or state.subject
        try:
            decision = self._accept(event)
        except Exception:
            log.exception("Roster: the accept policy raised on %s: left pending", event.from_uri)
            decision = None
        if decision is not None and not isinstance(decision, bool):
            log.error("Roster: the accept policy returned %r for %s (not True, False or None): left pending", decision, event.from_uri)
            decision = None
        if decision is None:
            self._report([state.frozen("pending", event.subscribe_id)])
            return
        change = self._answer(state, event.subscribe_id, decision)
        self._report([change] if change is not None else [])

    def _on_registered(self, event: RegisterSuccess) -> None:
        """After a registration succeeds again (the first one, or one after a failure), every
        contact is re-subscribed; after a refresh, those not active."""
        self._handler_thread = threading.get_ident()
        with self._lock:
            renew_all = not self._registered_before
            self._registered_before = True
            due = [state for state in self._contacts.values() if renew_all or state.subscription != "active"]
            for state in due:
                self._timers.cancel(state.retry)
                state.retry = None
        for state in due:
            self._resubscribe(state)

    def _on_not_registered(self, event: RegisterFailure) -> None:
        self._handler_thread = threading.get_ident()
        with self._lock:
            self._registered_before = False

    # ---- inside -----------------------------------------------------------------------------------

    def _usable(self, what: str) -> None:
        if self._closed:
            raise ClosedError(f"Roster.{what}(): the roster is closed")

    def _set_locked(
        self, state: _ContactState, subscription: SubscriptionState, online: bool, text: str, display_name: str
    ) -> list[Contact | Watcher]:
        """Apply a reported state; the change to report, if it is one. The contact's display name
        is the one given to add(), else the one its events carry."""
        name = state.display_name or display_name
        if (state.subscription, state.online, state.status_text, state.display_name) == (subscription, online, text, name):
            return []
        state.subscription, state.online, state.status_text, state.since = subscription, online, text, _now()
        state.display_name = name
        return [state.frozen()]

    def _delay(self, failures: int) -> float:
        first, longest = self._backoff
        return float(min(longest, first * 2.0 ** min(failures - 1, 32)) * random.uniform(0.8, 1.2))

    def _resubscribe(self, state: _ContactState) -> None:
        """End the contact's subscription and SUBSCRIBE again (on the timer or handler thread)."""
        with self._lock:
            if self._closed or self._contacts.get(state.key) is not state:
                return
            state.retry = None
            old, state.subscribe_id = state.subscribe_id, None
        self._end_subscription(old)
        try:
            new = self._lib.presence_subscribe(state.uri, self._subject)
        except ClosedError:
            return
        except PortSIPError as exc:
            log.warning("Roster: re-subscribing to %s failed (%s); trying again later", state.uri, exc)
            with self._lock:
                if self._contacts.get(state.key) is state and state.retry is None:
                    state.failures += 1
                    state.retry = self._timers.call_later(self._delay(state.failures), lambda: self._resubscribe(state))
            return
        with self._lock:
            if self._contacts.get(state.key) is state and not self._closed:
                state.subscribe_id = new
                return
        self._end_subscription(new)  # removed or closed meanwhile

    def _end_subscription(self, subscribe_id: int | None) -> None:
        if subscribe_id is None:
            return
        with contextlib.suppress(PortSIPError):  # already gone (NotFoundError), or the instance closed
            self._lib.presence_terminate_subscribe(subscribe_id)

    def _answer(self, state: _WatcherState, subscribe_id: int, accept: bool) -> Watcher | None:
        """Accept or refuse one subscription of a watcher; the change to report, if any."""
        gone = False
        try:
            if not accept:
                self._lib.presence_reject_subscribe(subscribe_id)
            else:
                with self._status_lock:
                    self._lib.presence_accept_subscribe(subscribe_id)
                    with self._lock:
                        state.state = "active"
                        status = self._status
                    if status is not None:
                        if self._mode == PresenceMode.AGENT:
                            self._lib.set_presence_status(0, status)  # the server tells the new watcher
                        else:
                            gone = not self._notify(subscribe_id, status)
        except NotFoundError:
            gone = True  # the subscription ended before the answer
        except ClosedError:
            return None
        except PortSIPError as exc:
            log.warning("Roster: answering %s's subscription %d failed: %s", state.uri, subscribe_id, exc)
        with self._lock:
            if accept and not gone:
                state.since = _now()
                return state.frozen("active", subscribe_id)
            if subscribe_id in state.ids:
                state.ids.remove(subscribe_id)
            if not state.ids and self._watchers.get(_sip_key(state.uri)) is state:
                del self._watchers[_sip_key(state.uri)]
            return state.frozen("terminated" if gone else "refused", subscribe_id)

    def _notify(self, subscribe_id: int, text: str) -> bool:
        """NOTIFY one watcher; False when the SDK no longer knows that subscription."""
        try:
            self._lib.set_presence_status(subscribe_id, text)
        except NotFoundError:
            return False
        except ClosedError:
            return True
        except PortSIPError as exc:
            log.warning("Roster: sending the status to subscription %d failed: %s", subscribe_id, exc)
        return True

    def _forget_subscriptions(self, gone: list[tuple[_WatcherState, int]]) -> None:
        changes: list[Contact | Watcher] = []
        with self._lock:
            for state, subscribe_id in gone:
                if subscribe_id in state.ids:
                    state.ids.remove(subscribe_id)
                if not state.ids and self._watchers.get(_sip_key(state.uri)) is state:
                    del self._watchers[_sip_key(state.uri)]
                    changes.append(state.frozen("terminated", subscribe_id))
        self._report(changes, on_handler_thread=False)

    def _report(self, changes: list[Contact | Watcher], on_handler_thread: bool = True) -> None:
        """Wake the waiters, then call the on_change functions (all of them, even if one raises:
        the first exception is raised afterwards, so the binding records it for check_errors)."""
        if not changes:
            return
        self._waiters.changed()
        if not on_handler_thread:
            return  # a change your own call made (set_status found a watcher gone): not reported
        with self._lock:
            callbacks = list(self._callbacks)
        call_each(callbacks, changes)


def _policy(accept: AcceptPolicy) -> Callable[[PresenceRecvSubscribe], bool | None]:
    if isinstance(accept, bool):
        return lambda request: accept
    if callable(accept):
        return accept
    if isinstance(accept, str):
        raise TypeError("accept is True, False, a list of URIs or a function; a single URI must be in a list: [uri]")
    try:
        allowed = [_key(uri, "accept") for uri in accept]
    except TypeError:
        raise TypeError(f"accept is True, False, an iterable of URIs or a function, not {type(accept).__name__}") from None
    table = dict.fromkeys(allowed, True)
    return lambda request: _find(table, _sip_key(request.from_uri)) is not None


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    return {name: value.isoformat() if isinstance(value, datetime) else value for name, value in record.items()}

