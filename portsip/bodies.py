"""The bodies of SIP instant messaging and presence, built and read safely.

* :class:`CpimMessage`: ``message/cpim`` (RFC 3862), the envelope that carries a message's
  identity, date and IMDN request (RFC 5438 section 6) around its content;
* :class:`ImdnNotification`: ``message/imdn+xml`` (RFC 5438), "delivered" / "displayed" reports;
* :class:`IsComposing`: ``application/im-iscomposing+xml`` (RFC 3994), typing indicators;
* :class:`Pidf`: ``application/pidf+xml`` (RFC 3863), presence documents.

Each class is frozen; ``to_bytes()`` / ``to_xml()`` serialise it and ``from_bytes()`` /
``from_xml()`` read one. Reading is safe against hostile input: bodies over
:data:`MAX_BODY_BYTES` (64 KiB) are refused before parsing, and the XML reader refuses any DTD
(so no entity can be declared: no entity expansion, no external entity, no network access),
nesting deeper than 32 elements and undefined entities. Every problem, reading or building,
raises :class:`BodyError`, a ValueError.

:class:`portsip.Chat` uses these to send and receive; they are public so that you can build and
read the same bodies yourself, e.g. the PIDF of a presence server's NOTIFY.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import ClassVar, Literal
from xml.parsers import expat

__all__ = [
    "MAX_BODY_BYTES",
    "BodyError",
    "CpimMessage",
    "ImdnNotification",
    "IsComposing",
    "Pidf",
    "PidfTuple",
    "PidfNote",
    "CPIM_NAMESPACE",
    "IMDN_NAMESPACE",
    "format_datetime",
    "parse_datetime",
]

#: The largest body read or built: larger ones raise BodyError before any parsing.
MAX_BODY_BYTES = 64 * 1024
_MAX_DEPTH = 32  # XML nesting: far beyond these documents' 4 levels
_MAX_HEADERS = 128  # CPIM and MIME header lines of one message

#: The namespace of CPIM's own headers (From, To, DateTime, Subject, NS, Require), RFC 3862 section 3.4.
CPIM_NAMESPACE = "urn:ietf:params:cpim-headers:"
#: The namespace of the IMDN headers in CPIM (imdn.Message-ID, ...), RFC 5438 section 6.
IMDN_NAMESPACE = "urn:ietf:params:imdn"
_IMDN_XML = "urn:ietf:params:xml:ns:imdn"
_ISCOMPOSING_XML = "urn:ietf:params:xml:ns:im-iscomposing"
_PIDF_XML = "urn:ietf:params:xml:ns:pidf"
_XML_LANG = "http://www.w3.org/XML/1998/namespace lang"


class BodyError(ValueError):
    """A body that cannot be read (malformed, hostile, too large) or a value that cannot be written."""


# ---- dates (RFC 3339, as CPIM's DateTime and the XML documents use them) --------------------------

_DATETIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d\d):(\d\d))"
)


def parse_datetime(text: str) -> datetime:
    """An RFC 3339 date and time (``2006-04-04T12:16:49-05:00``, ``...Z``) as an aware datetime."""
    match = _DATETIME.fullmatch(text.strip())
    if not match:
        raise BodyError(f"not an RFC 3339 date and time: {text[:80]!r}")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_hours, off_minutes = match.groups()
    offset = timedelta(0) if zulu else timedelta(hours=int(off_hours), minutes=int(off_minutes)) * (-1 if sign == "-" else 1)
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), min(int(second), 59),  # a leap second: :59
            int((fraction or "0")[:6].ljust(6, "0")), timezone(offset),
        )
    except ValueError as exc:
        raise BodyError(f"not a valid date and time: {text[:80]!r} ({exc})") from None


def format_datetime(value: datetime) -> str:
    """``value`` (aware, offset in whole minutes) in RFC 3339 form; UTC as ``Z``."""
    offset = value.utcoffset()
    if offset is None:
        raise BodyError("a datetime without a time zone cannot be sent: use an aware one (datetime.now(timezone.utc))")
    if offset % timedelta(minutes=1):
        raise BodyError(f"RFC 3339 offsets are whole minutes, not {offset}")
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.year < 1000:  # strftime does not pad years everywhere
        text = f"{value.year:04d}" + text[text.index("-") :]
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# ---- XML: a reader that refuses DTDs, and escaping for the writers --------------------------------


@dataclass
class _Element:
    name: str  # "namespace local" (expat's form with a space separator), or "local"
    attributes: dict[str, str]
    children: list[_Element] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # direct character data

    def child(self, namespace: str, local: str) -> _Element | None:
        wanted = f"{namespace} {local}"
        return next((c for c in self.children if c.name == wanted), None)

    def all(self, namespace: str, local: str) -> list[_Element]:
        wanted = f"{namespace} {local}"
        return [c for c in self.children if c.name == wanted]

    def value(self) -> str:
        return "".join(self.text)

    def token(self, namespace: str, local: str, what: str) -> str | None:
        found = self.child(namespace, local)
        if found is None:
            return None
        if found.children:
            raise BodyError(f"{what}: <{local}> must hold text only")
        return found.value().strip()


def _check_size(data: bytes, what: str) -> bytes:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"{what} must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) > MAX_BODY_BYTES:
        raise BodyError(f"{what} of {len(data)} bytes refused: the limit is {MAX_BODY_BYTES} bytes")
    return data


def _refuse(reason: str) -> None:
    raise BodyError(reason)


def _parse_xml(data: bytes, what: str) -> _Element:
    """The document element of ``data``; DTDs (and so every entity declaration) are refused."""
    data = _check_size(data, what)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Element] = []
    roots: list[_Element] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        if len(stack) >= _MAX_DEPTH:
            _refuse(f"{what}: elements nested deeper than {_MAX_DEPTH}")
        element = _Element(name, attributes)
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)

    def end(name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text.append(data)

    def no_dtd(*args: object) -> None:
        _refuse(f"{what}: a DTD is refused (no entity declarations are read)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.ExternalEntityRefHandler = no_dtd  # type: ignore[assignment]  # typeshed: returns int
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise BodyError(f"{what} is not well-formed XML: {exc}") from None
    if not roots:
        raise BodyError(f"{what} has no document element")
    return roots[0]


def _read_document(data: bytes, what: str, namespace: str, local: str) -> _Element:
    """The document element of ``data``, which must be ``<local>`` in ``namespace``."""
    root = _parse_xml(data, what)
    if root.name != f"{namespace} {local}":
        raise BodyError(f"{what}: the document element is {root.name.split(' ')[-1]!r} in "
                        f"{root.name.rpartition(' ')[0] or 'no namespace'!r}, not <{local}> in {namespace!r}")
    return root


# XML 1.0 Char: what a document can carry at all.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(value: str, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    bad = _NOT_XML_CHAR.search(value)
    if bad:
        raise BodyError(f"{what} holds {bad.group()!r}, which XML cannot carry")
    return value


def _escape_text(value: str, what: str) -> str:
    # \r is written as a reference: a parser would turn a literal one into \n.
    return (_xml_safe(value, what).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;"))


def _escape_attribute(value: str, what: str) -> str:
    escaped = _escape_text(value, what).replace('"', "&quot;")
    return escaped.replace("\n", "&#10;").replace("\t", "&#9;")  # attribute values are normalised otherwise


def _token(value: str, what: str) -> str:
    """A value written as element text and read back stripped: no surrounding white space."""
    _xml_safe(value, what)
    if value != value.strip() or not value:
        raise BodyError(f"{what} must be non-empty, without leading or trailing white space: {value!r}")
    return value


def _document(root: str, namespace: str, body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{namespace}">{body}</{root}>\n'.encode()


def _fits(data: bytes, what: str) -> bytes:
    if len(data) > MAX_BODY_BYTES:
        raise BodyError(f"{what} would be {len(data)} bytes: the limit is {MAX_BODY_BYTES}")
    return data


# ---- isComposing (RFC 3994) -----------------------------------------------------------------------


@dataclass(frozen=True)
class IsComposing:
    """An ``application/im-iscomposing+xml`` status (RFC 3994): is the sender composing a message?

    ``state`` is ``"active"`` (composing) or ``"idle"``; ``refresh`` (seconds, active only) is when
    the sender will refresh an active state at the latest: past it, the receiver takes it as idle
    (RFC 3994 section 3.3; 120 s when absent). ``content_type`` is what is being composed
    (``text/plain``, ``audio``, ...), ``last_active`` when the sender was last active.
    """

    state: Literal["active", "idle"]
    content_type: str | None = None
    last_active: datetime | None = None
    refresh: int | None = None

    MIME_TYPE: ClassVar[str] = "application/im-iscomposing+xml"

    def __post_init__(self) -> None:
        if self.state not in ("active", "idle"):
            raise BodyError(f'isComposing state must be "active" or "idle", not {self.state!r}')
        if self.refresh is not None and (isinstance(self.refresh, bool) or not isinstance(self.refresh, int) or self.refresh <= 0):
            raise BodyError(f"isComposing refresh must be a positive int (seconds), not {self.refresh!r}")
        if self.content_type is not None:
            _token(self.content_type, "isComposing content_type")
        if self.last_active is not None:
            format_datetime(self.last_active)

    def to_xml(self) -> bytes:
        parts = [f"<state>{self.state}</state>"]
        if self.last_active is not None:
            parts.append(f"<lastactive>{format_datetime(self.last_active)}</lastactive>")
        if self.content_type is not None:
            parts.append(f"<contenttype>{_escape_text(self.content_type, 'content_type')}</contenttype>")
        if self.refresh is not None:
            parts.append(f"<refresh>{self.refresh}</refresh>")
        return _fits(_document("isComposing", _ISCOMPOSING_XML, "".join(parts)), "isComposing")

    @classmethod
    def from_xml(cls, data: bytes) -> IsComposing:
        what = "isComposing"
        root = _read_document(data, what, _ISCOMPOSING_XML, "isComposing")
        state = root.token(_ISCOMPOSING_XML, "state", what)
        if state not in ("active", "idle"):
            raise BodyError(f'{what}: <state> must be "active" or "idle", not {state!r}')
        refresh_text = root.token(_ISCOMPOSING_XML, "refresh", what)
        refresh = None
        if refresh_text is not None:
            if not refresh_text.isdigit() or int(refresh_text) <= 0 or len(refresh_text) > 9:
                raise BodyError(f"{what}: <refresh> must be a positive number of seconds, not {refresh_text[:20]!r}")
            refresh = int(refresh_text)
        last_active = root.token(_ISCOMPOSING_XML, "lastactive", what)
        content_type = root.token(_ISCOMPOSING_XML, "contenttype", what)
        return cls(
            state, content_type or None, parse_datetime(last_active) if last_active else None, refresh  # type: ignore[arg-type]
        )


# ---- IMDN (RFC 5438) ------------------------------------------------------------------------------

#: notification -> the statuses RFC 5438 section 7.4 allows in it
_IMDN_STATUSES: dict[str, tuple[str, ...]] = {
    "delivery": ("delivered", "failed", "forbidden", "error"),
    "display": ("displayed", "forbidden", "error"),
    "processing": ("processed", "stored", "forbidden", "error"),
}


@dataclass(frozen=True)
class ImdnNotification:
    """A ``message/imdn+xml`` disposition notification (RFC 5438 section 7.2).

    ``notification`` is ``"delivery"``, ``"display"`` or ``"processing"``; ``status`` one its
    kind allows (delivery: delivered, failed, forbidden, error; display: displayed, forbidden,
    error; processing: processed, stored, forbidden, error). ``message_id`` and ``date_time``
    are those of the message it reports on (its ``imdn.Message-ID`` and ``DateTime``).
    """

    message_id: str
    date_time: datetime
    notification: Literal["delivery", "display", "processing"]
    status: str
    recipient_uri: str | None = None
    original_recipient_uri: str | None = None
    subject: str | None = None

    MIME_TYPE: ClassVar[str] = "message/imdn+xml"

    def __post_init__(self) -> None:
        _token(self.message_id, "IMDN message_id")
        format_datetime(self.date_time)
        allowed = _IMDN_STATUSES.get(self.notification)
        if allowed is None:
            raise BodyError(f'IMDN notification must be "delivery", "display" or "processing", not {self.notification!r}')
        if self.status not in allowed:
            raise BodyError(f"a {self.notification} notification's status is one of {', '.join(allowed)}, not {self.status!r}")
        for name in ("recipient_uri", "original_recipient_uri"):
            value = getattr(self, name)
            if value is not None:
                _token(value, f"IMDN {name}")
        if self.subject is not None:
            _xml_safe(self.subject, "IMDN subject")

    def to_xml(self) -> bytes:
        parts = [
            f"<message-id>{_escape_text(self.message_id, 'message_id')}</message-id>",
            f"<datetime>{format_datetime(self.date_time)}</datetime>",
        ]
        if self.recipient_uri is not None:
            parts.append(f"<recipient-uri>{_escape_text(self.recipient_uri, 'recipient_uri')}</recipient-uri>")
        if self.original_recipient_uri is not None:
            uri = _escape_text(self.original_recipient_uri, "original_recipient_uri")
            parts.append(f"<original-recipient-uri>{uri}</original-recipient-uri>")
        if self.subject is not None:
            parts.append(f"<subject>{_escape_text(self.subject, 'subject')}</subject>")
        parts.append(f"<{self.notification}-notification><status><{self.status}/></status></{self.notification}-notification>")
        return _fits(_document("imdn", _IMDN_XML, "".join(parts)), "IMDN")

    @classmethod
    def from_xml(cls, data: bytes) -> ImdnNotification:
        what = "IMDN"
        root = _read_document(data, what, _IMDN_XML, "imdn")
        message_id = root.token(_IMDN_XML, "message-id", what)
        date_time = root.token(_IMDN_XML, "datetime", what)
        if not message_id or not date_time:
            raise BodyError(f"{what}: <message-id> and <datetime> are required")
        found = [(kind, element) for kind in _IMDN_STATUSES for element in root.all(_IMDN_XML, f"{kind}-notification")]
        if len(found) != 1:
            raise BodyError(f"{what}: exactly one delivery, display or processing notification is required, found {len(found)}")
        kind, element = found[0]
        status_element = element.child(_IMDN_XML, "status")
        children = status_element.children if status_element is not None else []
        statuses = [c.name.partition(" ")[2] for c in children if c.name.startswith(_IMDN_XML + " ")]
        if len(statuses) != 1 or statuses[0] not in _IMDN_STATUSES[kind]:
            raise BodyError(f"{what}: a {kind} notification needs one status of {', '.join(_IMDN_STATUSES[kind])}, found {statuses}")
        subject = root.child(_IMDN_XML, "subject")
        return cls(
            message_id,
            parse_datetime(date_time),
            kind,  # type: ignore[arg-type]
            statuses[0],
            root.token(_IMDN_XML, "recipient-uri", what) or None,
            root.token(_IMDN_XML, "original-recipient-uri", what) or None,
            subject.value() if subject is not None else None,
        )


# ---- CPIM (RFC 3862) ------------------------------------------------------------------------------

_HEADER_NAME = re.compile(r"[!#$%&'*+\-.0-9A-Z^_`a-z|~]+")
_NS_VALUE = re.compile(r"\s*(?:([!#$%&'*+\-0-9A-Z^_`a-z|~]+)\s*)?<([^<>\s]+)>\s*")
#: notify word -> the imdn.Disposition-Notification token that requests it (RFC 5438 section 6.3)
DISPOSITIONS = {"delivered": "positive-delivery", "failed": "negative-delivery", "displayed": "display", "processed": "processing"}


def _header_line(name: str, value: str, what: str) -> str:
    if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
        raise BodyError(f"{what}: not a header name: {name!r}")
    if not isinstance(value, str):
        raise TypeError(f"{what} {name} must be str, not {type(value).__name__}")
    if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", value):
        raise BodyError(f"{what} {name}: a header value cannot hold control characters or line breaks: {value[:80]!r}")
    return f"{name}:{value}" if value.startswith(";") else f"{name}: {value}"


def _angle(uri: str) -> str:
    """A From/To value for ``uri``: as given when it already has its <...>, else ``<uri>``."""
    return uri if "<" in uri else f"<{uri}>"


def uri_in(value: str) -> str:
    """The URI of a From/To value: what ``<...>`` holds (``Alice <im:alice@example.com>`` gives
    ``im:alice@example.com``), or the value stripped."""
    match = re.search(r"<([^<>]*)>", value)
    return (match[1] if match else value).strip()


@dataclass(frozen=True)
class CpimMessage:
    """A ``message/cpim`` message (RFC 3862): message headers, then a MIME object.

    ``headers`` are the message headers in order, as (name, value): ``("From", "<sip:a@b>")``,
    ``("NS", "imdn <urn:ietf:params:imdn>")``, ``("imdn.Message-ID", "34jk324j")``. A value
    with parameters keeps them first (``("Subject", ";lang=fr Bonjour")``). ``content_type`` and
    ``content`` are the encapsulated object's; ``content_headers`` its other MIME headers
    (``Content-ID``, ``Content-Disposition``, ...).

    :meth:`header` reads a header by namespace, resolving the prefixes the ``NS`` headers declare;
    the IMDN headers of RFC 5438 have properties: :attr:`message_id`, :attr:`date_time`,
    :attr:`disposition_notification`. :meth:`text_message` and :meth:`notification` build the two
    kinds a chat sends.
    """

    headers: tuple[tuple[str, str], ...]
    content_type: str
    content: bytes
    content_headers: tuple[tuple[str, str], ...] = ()

    MIME_TYPE: ClassVar[str] = "message/cpim"

    def __post_init__(self) -> None:
        if not isinstance(self.content, bytes):
            raise TypeError(f"CPIM content must be bytes, not {type(self.content).__name__}")
        self.to_bytes()  # checks every header and the size

    # ---- reading headers ------------------------------------------------------------------------

    def _namespaces(self) -> dict[str, str]:
        prefixes = {}
        for name, value in self.headers:
            if name == "NS":
                match = _NS_VALUE.fullmatch(value)
                if match:
                    prefixes[match[1] or ""] = match[2]
        return prefixes

    def header_values(self, name: str, namespace: str = CPIM_NAMESPACE) -> tuple[str, ...]:
        """The values of the headers ``name`` in ``namespace`` (CPIM's own by default), in order.

        Names compare without regard to case. A prefix no ``NS`` header declares is taken as a
        namespace of its own name, except ``imdn``, taken as RFC 5438's (senders that omit the
        ``NS: imdn <urn:ietf:params:imdn>`` line exist).
        """
        prefixes = self._namespaces()
        values = []
        for header_name, value in self.headers:
            prefix, dot, local = header_name.rpartition(".")
            if not dot:
                header_namespace = prefixes.get("", CPIM_NAMESPACE)
            else:
                header_namespace = prefixes.get(prefix, IMDN_NAMESPACE if prefix.lower() == "imdn" else prefix)
            if header_namespace == namespace and local.lower() == name.lower():
                values.append(value)
        return tuple(values)

    def header(self, name: str, namespace: str = CPIM_NAMESPACE) -> str | None:
        """The first value of the header ``name`` in ``namespace``, or None."""
        values = self.header_values(name, namespace)
        return values[0].strip() if values else None

    @property
    def from_uri(self) -> str | None:
        """The URI of the From header (``im:alice@example.com`` of ``Alice <im:alice@example.com>``)."""
        value = self.header("From")
        return uri_in(value) if value is not None else None

    @property
    def to_uris(self) -> tuple[str, ...]:
        return tuple(uri_in(value) for value in self.header_values("To"))

    @property
    def date_time(self) -> datetime | None:
        """The DateTime header, parsed (BodyError if it is not RFC 3339)."""
        value = self.header("DateTime")
        return parse_datetime(value) if value is not None else None

    @property
    def message_id(self) -> str | None:
        """``imdn.Message-ID`` (RFC 5438 section 6.3)."""
        return self.header("Message-ID", IMDN_NAMESPACE)

    @property
    def disposition_notification(self) -> frozenset[str]:
        """The tokens of ``imdn.Disposition-Notification`` in lower case (positive-delivery,
        negative-delivery, display, processing)."""
        tokens = ",".join(self.header_values("Disposition-Notification", IMDN_NAMESPACE))
        return frozenset(token.strip().lower() for token in tokens.split(",") if token.strip())

    @property
    def content_disposition(self) -> str | None:
        for name, value in self.content_headers:
            if name.lower() == "content-disposition":
                return value.strip()
        return None

    @property
    def text(self) -> str:
        """The content decoded as text: for ``text/*`` content, with its charset (default UTF-8)."""
        media, parameters = _media_type(self.content_type)
        if not media.startswith("text/"):
            raise BodyError(f"CPIM content of type {media} is not text")
        charset = parameters.get("charset", "utf-8")
        try:
            return self.content.decode(charset)
        except (LookupError, UnicodeDecodeError) as exc:
            raise BodyError(f"CPIM text content is not {charset}: {exc}") from None

    # ---- writing and reading --------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        lines = [_header_line(name, value, "CPIM header") for name, value in self.headers]
        lines.append("")
        lines.append(_header_line("Content-Type", self.content_type, "CPIM content header"))
        lines.extend(_header_line(name, value, "CPIM content header") for name, value in self.content_headers)
        if any(name.lower() == "content-type" for name, _ in self.content_headers):
            raise BodyError("CPIM content_headers must not repeat Content-Type: it is content_type")
        if len(self.headers) + len(self.content_headers) >= _MAX_HEADERS:
            raise BodyError(f"more than {_MAX_HEADERS} CPIM headers")
        lines.append("")
        return _fits("\r\n".join(lines).encode() + b"\r\n" + self.content, "CPIM message")

    @classmethod
    def from_bytes(cls, data: bytes) -> CpimMessage:
        """Read a ``message/cpim`` body; line ends may be CRLF or LF. The content is everything
        after the blank line that ends the MIME headers (a Content-Length header is not needed)."""
        data = _check_size(data, "CPIM message")
        position = 0
        sections: list[list[tuple[str, str]]] = []
        for section in ("message", "MIME"):
            headers: list[tuple[str, str]] = []
            while True:
                end = data.find(b"\n", position)
                if end < 0:
                    raise BodyError(f"CPIM message: the {section} headers do not end with a blank line")
                raw = data[position:end].removesuffix(b"\r")
                position = end + 1
                if not raw:
                    break
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise BodyError(f"CPIM message: a {section} header is not UTF-8: {raw[:80]!r}") from None
                if line[0] in " \t" and headers:  # a folded MIME header line continues the previous one
                    headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
                    continue
                name, colon, value = line.partition(":")
                if not colon or not _HEADER_NAME.fullmatch(name):
                    raise BodyError(f"CPIM message: not a header line: {line[:80]!r}")
                headers.append((name, value[1:] if value.startswith(" ") else value))
                if sum(map(len, sections)) + len(headers) > _MAX_HEADERS:
                    raise BodyError(f"CPIM message: more than {_MAX_HEADERS} header lines")
            sections.append(headers)
        message_headers, mime_headers = sections
        content_types = [value.strip() for name, value in mime_headers if name.lower() == "content-type"]
        if len(content_types) > 1:
            raise BodyError("CPIM message: the encapsulated object has more than one Content-Type")
        others = tuple((name, value) for name, value in mime_headers if name.lower() != "content-type")
        content_type = content_types[0] if content_types else "text/plain"  # MIME's default
        try:
            return cls(tuple(message_headers), content_type, data[position:], others)
        except BodyError as exc:
            raise BodyError(f"CPIM message: {exc}") from None

    # ---- the two messages a chat sends ----------------------------------------------------------

    @classmethod
    def text_message(
        cls,
        text: str,
        *,
        from_uri: str,
        to_uri: str,
        message_id: str,
        date_time: datetime,
        notify: Iterable[str] = ("delivered", "displayed"),
    ) -> CpimMessage:
        """A text message (``text/plain;charset=utf-8``) with the IMDN headers of RFC 5438
        section 6: ``imdn.Message-ID``, ``DateTime`` and, when ``notify`` asks for any,
        ``imdn.Disposition-Notification`` ("delivered" → positive-delivery, "failed" →
        negative-delivery, "displayed" → display, "processed" → processing)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        tokens = []
        for word in notify:
            if word not in DISPOSITIONS:
                raise BodyError(f"notify words are {', '.join(DISPOSITIONS)}; not {word!r}")
            if DISPOSITIONS[word] not in tokens:
                tokens.append(DISPOSITIONS[word])
        headers = [
            ("From", _angle(from_uri)),
            ("To", _angle(to_uri)),
            ("DateTime", format_datetime(date_time)),
            ("NS", f"imdn <{IMDN_NAMESPACE}>"),
            ("imdn.Message-ID", _token(message_id, "message_id")),
        ]
        if tokens:
            headers.append(("imdn.Disposition-Notification", ", ".join(tokens)))
        try:
            content = text.encode("utf-8")
        except UnicodeEncodeError:
            raise BodyError("text holds a lone surrogate, which UTF-8 cannot carry") from None
        return cls(tuple(headers), "text/plain;charset=utf-8", content)

    @classmethod
    def notification(
        cls, imdn: ImdnNotification, *, from_uri: str, to_uri: str, message_id: str, date_time: datetime
    ) -> CpimMessage:
        """The CPIM message that carries a disposition notification (RFC 5438 section 7.2.1): its
        own ``imdn.Message-ID``, and ``Content-Disposition: notification`` on the IMDN document."""
        headers = (
            ("From", _angle(from_uri)),
            ("To", _angle(to_uri)),
            ("DateTime", format_datetime(date_time)),
            ("NS", f"imdn <{IMDN_NAMESPACE}>"),
            ("imdn.Message-ID", _token(message_id, "message_id")),
        )
        return cls(headers, ImdnNotification.MIME_TYPE, imdn.to_xml(), (("Content-Disposition", "notification"),))


def _media_type(value: str) -> tuple[str, dict[str, str]]:
    """``type/subtype`` in lower case and the parameters (names in lower case, quotes removed)."""
    media, *parameters = value.split(";")
    found = {}
    for parameter in parameters:
        name, equals, parameter_value = parameter.partition("=")
        if equals:
            found[name.strip().lower()] = parameter_value.strip().strip('"')
    return media.strip().lower(), found


def media_type(value: str) -> str:
    """``type/subtype`` of a Content-Type value, in lower case, without parameters."""
    return _media_type(value)[0]


# ---- PIDF (RFC 3863) ------------------------------------------------------------------------------

_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
_QVALUE = re.compile(r"0(\.\d{0,3})?|1(\.0{0,3})?")


@dataclass(frozen=True)
class PidfNote:
    """A ``<note>``: free text, in the language ``lang`` (``xml:lang``) when given."""

    text: str
    lang: str | None = None

    def __post_init__(self) -> None:
        _xml_safe(self.text, "PIDF note")
        if self.lang is not None:
            _token(self.lang, "PIDF note lang")

    def _xml(self) -> str:
        lang = f' xml:lang="{_escape_attribute(self.lang, "lang")}"' if self.lang is not None else ""
        return f"<note{lang}>{_escape_text(self.text, 'note')}</note>"

    @classmethod
    def _read(cls, element: _Element) -> PidfNote:
        return cls(element.value(), element.attributes.get(_XML_LANG))


@dataclass(frozen=True)
class PidfTuple:
    """A ``<tuple>``: one way to reach the presentity and its status.

    ``basic`` is ``"open"`` (ready to receive), ``"closed"`` or None (absent);
    ``contact_priority`` is the contact's ``priority`` as written (a qvalue, ``"0.8"``).
    """

    id: str
    basic: Literal["open", "closed"] | None = None
    contact: str | None = None
    contact_priority: str | None = None
    notes: tuple[PidfNote, ...] = ()
    timestamp: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _NCNAME.fullmatch(self.id):
            raise BodyError(f"a PIDF tuple id is an XML ID (a letter or _, then letters, digits, . _ -): {self.id!r}")
        if self.basic not in (None, "open", "closed"):
            raise BodyError(f'PIDF basic status is "open" or "closed", not {self.basic!r}')
        if self.contact is not None:
            _token(self.contact, "PIDF contact")
        if self.contact_priority is not None:
            if self.contact is None:
                raise BodyError("a PIDF contact_priority needs a contact")
            if not isinstance(self.contact_priority, str) or not _QVALUE.fullmatch(self.contact_priority):
                raise BodyError(f'a PIDF contact priority is a qvalue from "0" to "1" (3 decimals at most), not {self.contact_priority!r}')
        if self.timestamp is not None:
            format_datetime(self.timestamp)

    def _xml(self) -> str:
        status = f"<status><basic>{self.basic}</basic></status>" if self.basic else "<status/>"
        parts = [f'<tuple id="{self.id}">', status]
        if self.contact is not None:
            priority = f' priority="{self.contact_priority}"' if self.contact_priority is not None else ""
            parts.append(f"<contact{priority}>{_escape_text(self.contact, 'contact')}</contact>")
        parts.extend(note._xml() for note in self.notes)
        if self.timestamp is not None:
            parts.append(f"<timestamp>{format_datetime(self.timestamp)}</timestamp>")
        parts.append("</tuple>")
        return "".join(parts)

    @classmethod
    def _read(cls, element: _Element) -> PidfTuple:
        what = "PIDF tuple"
        status = element.child(_PIDF_XML, "status")
        if status is None:
            raise BodyError(f"{what} {element.attributes.get('id')!r} has no <status>")
        basic = status.token(_PIDF_XML, "basic", what)
        if basic not in (None, "open", "closed"):
            raise BodyError(f'{what}: <basic> is "open" or "closed", not {basic[:20]!r}')
        contact = element.child(_PIDF_XML, "contact")
        timestamp = element.token(_PIDF_XML, "timestamp", what)
        return cls(
            element.attributes.get("id", ""),
            basic,  # type: ignore[arg-type]
            contact.value().strip() if contact is not None else None,
            contact.attributes.get("priority") if contact is not None else None,
            tuple(PidfNote._read(note) for note in element.all(_PIDF_XML, "note")),
            parse_datetime(timestamp) if timestamp else None,
        )


@dataclass(frozen=True)
class Pidf:
    """An ``application/pidf+xml`` presence document (RFC 3863): the presentity ``entity``
    (``pres:someone@example.com``), its tuples and notes. Elements of other namespaces
    (RPID, ``im:im``, ...) are skipped when reading."""

    entity: str
    tuples: tuple[PidfTuple, ...] = ()
    notes: tuple[PidfNote, ...] = ()

    MIME_TYPE: ClassVar[str] = "application/pidf+xml"

    def __post_init__(self) -> None:
        _token(self.entity, "PIDF entity")
        ids = [t.id for t in self.tuples]
        if len(set(ids)) != len(ids):
            raise BodyError(f"PIDF tuple ids must be unique: {ids}")

    @property
    def open(self) -> bool:
        """Whether any tuple's basic status is "open" (the presentity can be reached)."""
        return any(t.basic == "open" for t in self.tuples)

    def to_xml(self) -> bytes:
        body = "".join(t._xml() for t in self.tuples) + "".join(n._xml() for n in self.notes)
        head = f'<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="{_PIDF_XML}" entity="{_escape_attribute(self.entity, "entity")}">'
        return _fits(f"{head}{body}</presence>\n".encode(), "PIDF")

    @classmethod
    def from_xml(cls, data: bytes) -> Pidf:
        what = "PIDF"
        root = _read_document(data, what, _PIDF_XML, "presence")
        entity = root.attributes.get("entity")
        if not entity:
            raise BodyError(f"{what}: <presence> has no entity")
        return cls(
            entity.strip(),
            tuple(PidfTuple._read(t) for t in root.all(_PIDF_XML, "tuple")),
            tuple(PidfNote._read(n) for n in root.all(_PIDF_XML, "note")),
        )
