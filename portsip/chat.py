"""Chat: instant messages with delivered / read receipts and typing indicators, over out-of-dialog MESSAGE.

A message goes as ``message/cpim`` (RFC 3862) carrying an IMDN request (RFC 5438); the peer's
``message/imdn+xml`` notifications resolve its :class:`ChatReceipt`. Typing indicators are
``application/im-iscomposing+xml`` (RFC 3994), sent as they are (as PJSIP and other SIP clients
do). Peers that speak none of this still chat: their ``text/plain`` messages arrive as
:class:`ChatMessage`, and ``send(to, text, notify=())`` sends them ``text/plain``.

Built on the public API of :class:`~portsip.PortSIPLib` (sends, ``on`` handlers, receipts), so it
works on the SDK, the stub and any peer. The SDK delivers MESSAGE bodies other than text/plain
only for the types added with ``add_supported_mime_type``: a Chat adds the three it reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Generic, Literal, TypeVar

from . import _args
from ._changes import Timers, Waiters, call_each, check_timeout
from ._lib import PortSIPLib
from ._receipts import DEFAULT_RECEIPT_TIMEOUT, Receipt
from ._receipts import contact as _sip_key
from .bodies import DISPOSITIONS, BodyError, CpimMessage, ImdnNotification, IsComposing, media_type
from .errors import ClosedError, InvalidStateError, PortSIPError, SendFailedError
from .events import RecvOutOfDialogMessage, SendOutOfDialogMessageFailure, SendOutOfDialogMessageSuccess
from .roster import UriMap

__all__ = ["Chat", "ChatMessage", "ChatReceipt", "ChatNotification", "ComposingState", "NotificationError", "ChatMessageStream"]

log = logging.getLogger("portsip")
T = TypeVar("T")

#: The types a Chat reads, registered with add_supported_mime_type("MESSAGE", type, subtype).
CHAT_MIME_TYPES = (("message", "cpim"), ("application", "im-iscomposing+xml"), ("message", "imdn+xml"))
#: RFC 3994 section 3.3: an active state without <refresh> lasts this long at the receiver.
DEFAULT_COMPOSING_EXPIRY = 120
ANONYMOUS = "sip:anonymous@anonymous.invalid"  # RFC 3862 section 3.1's anonymous sender
_STREAM_LIMIT = 10_000  # messages an async iterator holds for a reader that fell behind
_WORDS = {token: word for word, token in DISPOSITIONS.items()}  # positive-delivery -> delivered, ...


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _new_message_id() -> str:
    return secrets.token_urlsafe(12)  # 96 random bits: unguessable, so a notification cannot be forged for it


class NotificationError(PortSIPError):
    """The peer reported that a message was not delivered or not displayed (an IMDN status other
    than delivered / displayed: failed, forbidden, error). ``notification`` is the report."""

    def __init__(self, message: str, notification: ChatNotification) -> None:
        super().__init__(message)
        self.notification = notification


@dataclass(frozen=True)
class ChatMessage:
    """A message received: ``text`` from ``from_uri``.

    ``message_id`` is its ``imdn.Message-ID`` and ``notify`` the notifications its sender asked for
    ("delivered", "displayed", ...); both empty for a ``text/plain`` message from a peer that does
    not speak CPIM. ``sent_at`` is its CPIM DateTime (None without one), ``received_at`` when it
    arrived (UTC). ``content_type`` and ``data`` are the content as sent (``text`` is it decoded,
    "" for content that is not text).
    """

    from_uri: str
    display_name: str
    to_uri: str
    text: str
    message_id: str | None
    notify: frozenset[str]
    sent_at: datetime | None
    received_at: datetime
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ChatNotification:
    """A disposition notification received (RFC 5438): the message ``message_id`` was ``status``
    (delivered, displayed, failed, forbidden, error, processed, stored) at ``from_uri``."""

    message_id: str
    from_uri: str
    notification: Literal["delivery", "display", "processing"]
    status: str
    received_at: datetime


@dataclass(frozen=True)
class ComposingState:
    """Whether ``uri`` is composing a message to you, since ``since`` (UTC), as their last
    isComposing status said (``content_type`` what they compose, ``last_active`` when they last were)."""

    uri: str
    active: bool
    content_type: str | None
    last_active: datetime | None
    since: datetime


class ChatReceipt:
    """A message sent by :meth:`Chat.send` and what became of it.

    * :attr:`sent`: the SIP outcome, a :class:`~portsip.Receipt` (``sent.result()``, ``await sent``);
    * :meth:`delivered` / :meth:`displayed`: block until the peer's IMDN says so and return the
      :class:`ChatNotification`; :meth:`delivered_async` / :meth:`displayed_async` are the same for
      asyncio. They raise TimeoutError when no notification comes in time (a peer that sends none
      never does), :class:`NotificationError` for a negative one, the send's
      :class:`~portsip.SendFailedError` when the MESSAGE itself failed, InvalidStateError when the
      notification was not asked for, and ClosedError when the chat closes.
    """

    def __init__(
        self, chat: Chat, to: str, text: str, message_id: str | None, notify: frozenset[str], sent: Receipt[SendOutOfDialogMessageSuccess]
    ) -> None:
        self.to = to
        self.text = text
        #: The message's imdn.Message-ID (None for text/plain, sent without CPIM).
        self.message_id = message_id
        #: The notifications asked for: "delivered", "displayed".
        self.notify = notify
        #: The SIP outcome of the MESSAGE.
        self.sent = sent
        self._chat = chat
        self._reports: dict[str, ChatNotification] = {}  # "delivery" / "display" -> the first notification

    def done(self, word: Literal["delivered", "displayed"]) -> bool:
        """Whether the notification ``word`` has arrived (positive or not)."""
        return _KINDS[word] in self._reports

    def delivered(self, timeout: float = DEFAULT_RECEIPT_TIMEOUT) -> ChatNotification:
        """Wait for the peer's delivery notification (see the class)."""
        return self._chat._waiters.wait(self._check("delivered"), check_timeout(timeout), f"delivery of {self.message_id}")

    def displayed(self, timeout: float = DEFAULT_RECEIPT_TIMEOUT) -> ChatNotification:
        """Wait for the peer's display notification (see the class)."""
        return self._chat._waiters.wait(self._check("displayed"), check_timeout(timeout), f"display of {self.message_id}")

    async def delivered_async(self, timeout: float = DEFAULT_RECEIPT_TIMEOUT) -> ChatNotification:
        return await self._chat._waiters.wait_async(self._check("delivered"), check_timeout(timeout), f"delivery of {self.message_id}")

    async def displayed_async(self, timeout: float = DEFAULT_RECEIPT_TIMEOUT) -> ChatNotification:
        return await self._chat._waiters.wait_async(self._check("displayed"), check_timeout(timeout), f"display of {self.message_id}")

    def _check(self, word: Literal["delivered", "displayed"]) -> Callable[[], ChatNotification | None]:
        if word not in self.notify:
            raise InvalidStateError(f"the message was sent without asking for the {word} notification (notify={sorted(self.notify)})")
        if self._chat._handler_thread == threading.get_ident():
            raise InvalidStateError("a blocking wait for a notification in an event handler would wait for itself: use on_notification()")
        kind = _KINDS[word]

        def check() -> ChatNotification | None:
            report = self._reports.get(kind)
            if report is not None:
                if report.status != word:
                    raise NotificationError(f"{self.to} reported the message {self.message_id} {report.status}", report)
                return report
            if self.sent.done():
                try:
                    self.sent.result(0)
                except (SendFailedError, ClosedError):
                    raise
                except Exception:  # no SIP outcome in time: the notification may still come
                    pass
            if self._chat._closed:
                raise ClosedError("the chat was closed")
            return None

        return check

    def __repr__(self) -> str:
        reports = ", ".join(f"{r.status}" for r in self._reports.values()) or "no notification"
        return f"<ChatReceipt {self.message_id} to {self.to}: {reports}>"


_KINDS = {"delivered": "delivery", "displayed": "display"}


class _Outgoing:
    """Our composing state towards one peer."""

    __slots__ = ("active", "idle_timer", "last_active", "last_sent")

    def __init__(self) -> None:
        self.active = False
        self.last_sent = 0.0  # monotonic time of the last "active" sent
        self.last_active = _now()
        self.idle_timer: int | None = None


class _Incoming:
    __slots__ = ("expiry", "state")

    def __init__(self, state: ComposingState) -> None:
        self.state = state
        self.expiry: int | None = None


class ChatMessageStream(Generic[T]):
    """An async iterator of what a Chat receives from the moment it was made; ends when the chat
    closes. A reader more than 10,000 items behind loses the newest (logged)."""

    def __init__(self, chat: Chat) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[T | None] = asyncio.Queue()
        self._chat = chat
        self._ended = False
        self.dropped = 0

    def _offer(self, item: T | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody reads any more
            self._loop.call_soon_threadsafe(self._put, item)

    def _put(self, item: T | None) -> None:
        if item is not None and self._queue.qsize() >= _STREAM_LIMIT:
            self.dropped += 1
            log.warning("Chat: an async reader is %d messages behind; a message was dropped for it", _STREAM_LIMIT)
            return
        self._queue.put_nowait(item)

    def __aiter__(self) -> ChatMessageStream[T]:
        return self

    async def __anext__(self) -> T:
        if self._ended:
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is None:
            self._ended = True
            raise StopAsyncIteration
        return item

    async def aclose(self) -> None:
        self._ended = True
        self._chat._streams.discard(self)


class Chat:
    """Instant messaging on one :class:`~portsip.PortSIPLib`, with receipts and typing indicators.

    ``Chat(lib)`` installs its own handlers (``RecvOutOfDialogMessage``,
    ``SendOutOfDialogMessageFailure``) beside yours and registers the MIME types it reads.

    * ``local_uri``: your SIP URI, written as the CPIM From (default: the anonymous URI of RFC
      3862; peers answer the SIP From, which the SDK sets);
    * ``send_delivered``: send the delivery notification a peer asks for, automatically (True,
      the default), never (False), or when ``send_delivered(message)`` returns True;
    * ``composing_refresh`` (s): how long an "active" typing status lasts at the peer unless
      refreshed (RFC 3994's refresh; it is refreshed while you keep typing);
      ``composing_idle`` (s): "idle" is sent this long after the last ``set_composing(to, True)``.

    Callbacks (:meth:`on_message`, :meth:`on_notification`, :meth:`on_composing`) run on the
    binding's handler thread, one at a time; the one exception is a peer's typing status expiring
    without a refresh, reported from the chat's timer thread (still one callback at a time).
    """

    def __init__(
        self,
        lib: PortSIPLib,
        *,
        local_uri: str | None = None,
        send_delivered: bool | Callable[[ChatMessage], bool] = True,
        composing_refresh: int = 60,
        composing_idle: float = 15.0,
    ) -> None:
        if not isinstance(lib, PortSIPLib):
            raise TypeError(f"Chat needs a PortSIPLib, not {type(lib).__name__}")
        if local_uri is not None:
            _args.text("local_uri", local_uri)
        if not (isinstance(send_delivered, bool) or callable(send_delivered)):
            raise TypeError("send_delivered is True, False or a function of the ChatMessage")
        self._refresh = _args.integer("composing_refresh", composing_refresh, minimum=1, maximum=86_400)
        self._idle = _args.seconds("composing_idle", composing_idle, 86_400.0)
        if not 0 < self._idle < self._refresh / 2:
            raise ValueError("composing_idle must be more than 0 and less than half of composing_refresh (so refreshes come in time)")
        self._lib = lib
        self._local_uri = local_uri or ANONYMOUS
        self._send_delivered = send_delivered
        self._waiters = Waiters()
        self._lock = self._waiters.lock
        self._callback_lock = threading.RLock()  # one callback at a time, from either thread
        self._receipts: weakref.WeakValueDictionary[str, ChatReceipt] = weakref.WeakValueDictionary()
        self._outgoing: dict[tuple[str, str], _Outgoing] = {}
        self._incoming: dict[tuple[str, str], _Incoming] = {}
        self._on_message: list[Callable[[ChatMessage], object]] = []
        self._on_notification: list[Callable[[ChatNotification], object]] = []
        self._on_composing: list[Callable[[ComposingState], object]] = []
        self._streams: weakref.WeakSet[ChatMessageStream[Any]] = weakref.WeakSet()
        self._closed = False
        self._handler_thread: int | None = None
        #: Bodies refused (malformed, hostile or too large: BodyError), each logged.
        self.refused_bodies = 0
        self._timers = Timers(f"portsip-chat-{id(self):x}", lambda: lib.closed, self.close)
        for mime_type, sub_mime_type in CHAT_MIME_TYPES:
            lib.add_supported_mime_type("MESSAGE", mime_type, sub_mime_type)
        self._handlers: list[tuple[type[Any], Callable[[Any], None]]] = [
            (RecvOutOfDialogMessage, self._on_received),
            (SendOutOfDialogMessageFailure, self._on_send_failure),
        ]
        for event_type, handler in self._handlers:
            lib.on(event_type, handler)
        self._timers.start()

    # ---- sending ----------------------------------------------------------------------------------

    def send(
        self, to: str, text: str, notify: Iterable[str] = ("delivered", "displayed"), *, timeout: float = DEFAULT_RECEIPT_TIMEOUT
    ) -> ChatReceipt:
        """Send ``text`` to ``to``; returns its :class:`ChatReceipt`.

        With ``notify`` (any of "delivered", "displayed") the message is ``message/cpim`` with an
        IMDN request; with ``notify=()`` it is plain ``text/plain`` (for peers that do not speak
        CPIM: no notification can come then). ``timeout`` bounds :attr:`ChatReceipt.sent`.
        Sending ends your typing indicator towards ``to`` (the message itself says so).
        """
        _args.text("to", to)
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        if isinstance(notify, str):
            raise TypeError('notify is a collection of words, e.g. ("delivered", "displayed"), not a str')
        words = frozenset(notify)
        unknown = words - set(_KINDS)
        if unknown:
            raise ValueError(f"notify words are delivered and displayed, not {sorted(unknown)}")
        self._usable("send")
        self._typing_ended(to)
        if not words:
            return ChatReceipt(self, to, text, None, words, self._lib.send_text(to, text, timeout=timeout))
        message_id = _new_message_id()
        body = CpimMessage.text_message(
            text, from_uri=self._local_uri, to_uri=to, message_id=message_id, date_time=_now(), notify=sorted(words)
        ).to_bytes()
        # Registered before the send: a notification can only follow the message.
        receipt = ChatReceipt(self, to, text, message_id, words, _NOT_SENT)
        with self._lock:
            self._receipts[message_id] = receipt
        try:
            receipt.sent = self._lib.send_out_of_dialog_message_with_receipt(to, "message", "cpim", body, timeout=timeout)
        except BaseException:
            with self._lock:
                self._receipts.pop(message_id, None)
            raise
        return receipt

    def sent_message(self, message_id: str) -> ChatReceipt | None:
        """The message this chat sent as ``message_id`` (a notification's ``message_id``), while its
        receipt is kept somewhere; None otherwise. Registered before the MESSAGE goes out, so a
        notification that comes back at once finds it."""
        with self._lock:
            return self._receipts.get(message_id)

    def mark_displayed(self, message: ChatMessage) -> Receipt[SendOutOfDialogMessageSuccess] | None:
        """Tell the sender that ``message`` was displayed, if they asked (else nothing is sent:
        None). Returns the receipt of the notification's MESSAGE."""
        if not isinstance(message, ChatMessage):
            raise TypeError(f"mark_displayed needs a ChatMessage, not {type(message).__name__}")
        if "displayed" not in message.notify or message.message_id is None:
            return None
        self._usable("mark_displayed")
        return self._send_notification(message, "display", "displayed")

    def set_composing(self, to: str, active: bool = True) -> None:
        """Say whether you are composing a message to ``to`` (RFC 3994).

        Call it with True as the user types (each call keeps it active; the status is sent when it
        changes and refreshed before the peer's ``composing_refresh`` runs out), with False when
        they stop. "idle" is also sent by itself ``composing_idle`` seconds after the last True.
        """
        key = _sip_key(_args.text("to", to).decode("utf-8", "surrogateescape"))
        if not isinstance(active, bool):
            raise TypeError(f"active must be a bool, not {type(active).__name__}")
        self._usable("set_composing")
        now = time.monotonic()
        with self._lock:
            state = self._outgoing.setdefault(key, _Outgoing())
            self._timers.cancel(state.idle_timer)
            state.idle_timer = None
            send: IsComposing | None = None
            if active:
                if not state.active or now - state.last_sent >= self._refresh / 2:
                    state.last_sent = now
                    send = IsComposing("active", "text/plain", None, self._refresh)
                state.active = True
                state.last_active = _now()
                state.idle_timer = self._timers.call_later(self._idle, lambda: self._went_idle(to, key, state))
            elif state.active:
                state.active = False
                send = IsComposing("idle", "text/plain", state.last_active)
            if not state.active:
                self._outgoing.pop(key, None)
        if send is not None:
            self._send_composing(to, send)

    # ---- receiving --------------------------------------------------------------------------------

    def on_message(self, fn: Callable[[ChatMessage], object]) -> Callable[[ChatMessage], object]:
        """Call ``fn(message)`` for each :class:`ChatMessage` received (also a decorator)."""
        return self._add(self._on_message, fn)

    def on_notification(self, fn: Callable[[ChatNotification], object]) -> Callable[[ChatNotification], object]:
        """Call ``fn(notification)`` for each disposition notification received for a message sent
        by this chat (a delivered / displayed mark to show)."""
        return self._add(self._on_notification, fn)

    def on_composing(self, fn: Callable[[ComposingState], object]) -> Callable[[ComposingState], object]:
        """Call ``fn(state)`` when a peer starts or stops composing a message to you (also when an
        active status runs out without a refresh: then from the chat's timer thread)."""
        return self._add(self._on_composing, fn)

    def messages(self) -> ChatMessageStream[ChatMessage]:
        """``async for message in chat.messages()``: the messages received from now on, until the
        chat closes. Call it in a coroutine. ``async for message in chat`` is the same."""
        stream: ChatMessageStream[ChatMessage] = ChatMessageStream(self)
        with self._lock:
            if self._closed:
                stream._offer(None)
            else:
                self._streams.add(stream)
        return stream

    def __aiter__(self) -> AsyncIterator[ChatMessage]:
        return self.messages()

    @property
    def composing(self) -> UriMap[ComposingState]:
        """The peers whose typing status you have received: URI -> :class:`ComposingState`."""
        with self._lock:
            return UriMap((incoming.state.uri, incoming.state) for incoming in self._incoming.values())

    def is_composing(self, uri: str) -> bool:
        """Whether ``uri`` is composing a message to you now."""
        state = self.composing.get(uri)
        return state is not None and state.active

    # ---- lifetime ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Remove the chat's handlers, stop its timers, end its async iterators and waits; idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            streams = list(self._streams)
            self._streams.clear()
        self._timers.close()
        for event_type, handler in self._handlers:
            with contextlib.suppress(ValueError):
                self._lib.off(event_type, handler)
        for stream in streams:
            stream._offer(None)
        self._waiters.changed()

    def __enter__(self) -> Chat:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- the handlers -----------------------------------------------------------------------------

    def _on_received(self, event: RecvOutOfDialogMessage) -> None:
        self._handler_thread = threading.get_ident()
        media = media_type(f"{event.mime_type}/{event.sub_mime_type}")
        try:
            if media == "message/cpim":
                self._on_cpim(event, CpimMessage.from_bytes(event.data))
            elif media == IsComposing.MIME_TYPE:
                self._on_composing_status(event.from_uri, IsComposing.from_xml(event.data))
            elif media == ImdnNotification.MIME_TYPE:
                self._on_imdn(event.from_uri, ImdnNotification.from_xml(event.data))
            elif media.startswith("text/"):
                self._deliver(ChatMessage(
                    event.from_uri, event.from_display_name, event.to_uri, event.text, None, frozenset(),
                    None, _now(), f"{event.mime_type}/{event.sub_mime_type}", event.data,
                ))
        except BodyError as exc:
            self.refused_bodies += 1
            log.warning("Chat: a %s body from %s was refused: %s", media, event.from_uri, exc)

    def _on_cpim(self, event: RecvOutOfDialogMessage, cpim: CpimMessage) -> None:
        inner = media_type(cpim.content_type)
        if inner == ImdnNotification.MIME_TYPE:
            self._on_imdn(event.from_uri, ImdnNotification.from_xml(cpim.content))
        elif inner == IsComposing.MIME_TYPE:
            self._on_composing_status(event.from_uri, IsComposing.from_xml(cpim.content))
        else:
            text = cpim.text if inner.startswith("text/") else ""
            notify = frozenset(_WORDS[token] for token in cpim.disposition_notification if token in _WORDS)
            try:
                sent_at = cpim.date_time
            except BodyError:
                sent_at = None  # a bad date does not lose the message
            message = ChatMessage(
                event.from_uri, event.from_display_name, event.to_uri, text, cpim.message_id, notify if cpim.message_id else frozenset(),
                sent_at, _now(), cpim.content_type, cpim.content,
            )
            if "delivered" in message.notify and self._wants_delivered(message):
                self._send_notification(message, "delivery", "delivered")
            self._deliver(message)

    def _wants_delivered(self, message: ChatMessage) -> bool:
        policy = self._send_delivered
        if isinstance(policy, bool):
            return policy
        try:
            return bool(policy(message))
        except Exception:
            log.exception("Chat: the send_delivered function raised on a message from %s: no notification sent", message.from_uri)
            return False

    def _deliver(self, message: ChatMessage) -> None:
        changes = self._composing_ended(message.from_uri)  # RFC 3994 section 3.3: a message ends composing
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            stream._offer(message)
        self._call(self._on_composing, changes)
        self._call(self._on_message, [message])

    def _on_imdn(self, from_uri: str, imdn: ImdnNotification) -> None:
        notification = ChatNotification(imdn.message_id, from_uri, imdn.notification, imdn.status, _now())
        with self._lock:
            receipt = self._receipts.get(imdn.message_id)
            if receipt is None:
                return  # not a message of this chat (or its receipt was dropped and forgotten)
            if _sip_key(receipt.to) != _sip_key(from_uri) and _sip_key(receipt.to)[1] and _sip_key(from_uri)[1]:
                log.warning("Chat: a notification for %s came from %s, not from %s: ignored", imdn.message_id, from_uri, receipt.to)
                return
            if imdn.notification in receipt._reports:
                return  # a repeated notification
            receipt._reports[imdn.notification] = notification
        self._waiters.changed()
        self._call(self._on_notification, [notification])

    def _on_composing_status(self, from_uri: str, status: IsComposing) -> None:
        key = _sip_key(from_uri)
        state = ComposingState(from_uri, status.state == "active", status.content_type, status.last_active, _now())
        with self._lock:
            incoming = self._incoming.get(key)
            changed = incoming is None or incoming.state.active != state.active
            if incoming is None:
                incoming = self._incoming[key] = _Incoming(state)
            else:
                self._timers.cancel(incoming.expiry)
                incoming.expiry = None
                if changed:
                    incoming.state = state
            if state.active:
                expiry = status.refresh or DEFAULT_COMPOSING_EXPIRY
                incoming.expiry = self._timers.call_later(expiry, lambda: self._expired(key, incoming))
        if changed:
            self._waiters.changed()
            self._call(self._on_composing, [state])

    def _on_send_failure(self, event: SendOutOfDialogMessageFailure) -> None:
        self._handler_thread = threading.get_ident()
        self._waiters.changed()  # a receipt waiting for a notification looks whether its send failed

    # ---- inside -----------------------------------------------------------------------------------

    def _add(self, callbacks: list[Callable[[T], object]], fn: Callable[[T], object]) -> Callable[[T], object]:
        if not callable(fn):
            raise TypeError(f"expected a callable, not {type(fn).__name__}")
        with self._lock:
            callbacks.append(fn)
        return fn

    def _call(self, callbacks: list[Callable[[T], object]], items: list[T]) -> None:
        """Each callback with each item, one callback at a time; the first exception is raised
        after all ran (so that the binding records it for check_errors)."""
        if not items:
            return
        with self._lock:
            functions = list(callbacks)
        with self._callback_lock:
            call_each(functions, items)

    def _usable(self, what: str) -> None:
        if self._closed:
            raise ClosedError(f"Chat.{what}(): the chat is closed")

    def _send_notification(
        self, message: ChatMessage, kind: Literal["delivery", "display"], status: str
    ) -> Receipt[SendOutOfDialogMessageSuccess] | None:
        assert message.message_id is not None
        imdn = ImdnNotification(
            message.message_id, message.sent_at or message.received_at, kind, status,
            recipient_uri=self._local_uri, original_recipient_uri=message.to_uri or None,
        )
        body = CpimMessage.notification(
            imdn, from_uri=self._local_uri, to_uri=message.from_uri, message_id=_new_message_id(), date_time=_now()
        ).to_bytes()
        try:
            return self._lib.send_out_of_dialog_message_with_receipt(message.from_uri, "message", "cpim", body)
        except PortSIPError as exc:  # on the handler thread: log, never stop it
            if threading.get_ident() != self._handler_thread:
                raise
            log.warning("Chat: the %s notification to %s could not be sent: %s", kind, message.from_uri, exc)
            return None

    def _send_composing(self, to: str, status: IsComposing) -> None:
        try:
            self._lib.send_out_of_dialog_message(to, "application", "im-iscomposing+xml", status.to_xml())
        except ClosedError:
            pass
        except PortSIPError as exc:
            log.warning("Chat: the typing status to %s could not be sent: %s", to, exc)

    def _went_idle(self, to: str, key: tuple[str, str], state: _Outgoing) -> None:
        """On the timer thread: no set_composing(to, True) for composing_idle seconds."""
        with self._lock:
            if self._outgoing.get(key) is not state or not state.active:
                return
            state.active, state.idle_timer = False, None
            del self._outgoing[key]
            status = IsComposing("idle", "text/plain", state.last_active)
        self._send_composing(to, status)

    def _typing_ended(self, to: str) -> None:
        """A message to ``to`` ends our typing status there without an "idle" (RFC 3994 section 3.2)."""
        with self._lock:
            state = self._outgoing.pop(_sip_key(to), None)
            if state is not None:
                self._timers.cancel(state.idle_timer)

    def _composing_ended(self, from_uri: str) -> list[ComposingState]:
        with self._lock:
            incoming = self._incoming.get(_sip_key(from_uri))
            if incoming is None or not incoming.state.active:
                return []
            self._timers.cancel(incoming.expiry)
            incoming.expiry = None
            incoming.state = ComposingState(incoming.state.uri, False, incoming.state.content_type, incoming.state.last_active, _now())
            return [incoming.state]

    def _expired(self, key: tuple[str, str], incoming: _Incoming) -> None:
        """On the timer thread: an active status was not refreshed in time (RFC 3994 section 3.3)."""
        with self._lock:
            if self._incoming.get(key) is not incoming or not incoming.state.active:
                return
            incoming.expiry = None
            incoming.state = ComposingState(incoming.state.uri, False, incoming.state.content_type, incoming.state.last_active, _now())
            state = incoming.state
        self._waiters.changed()
        try:
            self._call(self._on_composing, [state])
        except Exception:
            log.exception("Chat: an on_composing callback raised")


class _NeverSent:
    """The stand-in for a ChatReceipt's send while it is being made (replaced before send() returns)."""

    def done(self) -> bool:
        return False

    def result(self, timeout: float | None = None) -> Any:
        raise InvalidStateError("not sent yet")


_NOT_SENT: Any = _NeverSent()
