"""Traces: what an SDK instance did, as JSON Lines, to read, share and replay on the stub.

A trace is written by :meth:`portsip.PortSIPLib.record` (or ``portsip record``) and replayed by
:meth:`portsip.testing.StubControl.replay` (or printed by ``portsip replay``). docs/traces.md
describes the format; ``trace.schema.json`` (in this package) is its JSON Schema. Each line is one
JSON object:

* the **header**, first: ``{"trace": "portsip", "version": 1, "portsip": ..., "sdk_version": ...,
  "platform": ..., "python": ..., "started": ..., "redacted": ...}``;
* an **event**: ``{"t": seconds since the start, "event": "RecvOutOfDialogMessage", ...fields}``, the
  fields encoded as ``portsip watch --json`` prints them (:func:`event_json`): ``bytes`` in base64, and
  message events also get ``"text"``;
* a **call** of an SDK function that returned an id or an error: ``{"t": ..., "call":
  "PortSIP_sendOutOfDialogMessage", "args": {...}, "result": 7}`` (``"error"`` names a negative
  code), so that ids can be matched when the trace is replayed;
* a **drop** count, when the recorder could not keep up: ``{"t": ..., "dropped": n}``.

Output of ``portsip watch --json`` reads as a trace too: events only, no header, no times.

Secrets never reach a trace: the password and the license key are replaced, and so is the value of
every ``Authorization`` and ``Proxy-Authorization`` header inside any text. With ``redact=True`` the
user part of every SIP URI is replaced by a pseudonym, the same one for the same user throughout
the trace, so that a trace can be shared.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import json
import os
import platform
import re
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import IO, Any

from ._version import __version__
from .errors import error_name
from .events import EVENT_TYPES, Event, MessageEvent

__all__ = [
    "FORMAT_VERSION",
    "TraceError",
    "TraceHeader",
    "TracedEvent",
    "TracedCall",
    "TracedDrops",
    "TraceItem",
    "read_trace",
    "event_record",
    "event_json",
    "event_from_record",
    "Recorder",
    "Recording",
    "Redactor",
    "schema",
]

#: The version of the trace format this portsip writes and reads.
FORMAT_VERSION = 1
#: Replaces a secret in a trace.
REDACTED = "[redacted]"
#: Parameters of the SDK's functions whose values are secrets (the Python names of portsip's API).
SECRET_ARGUMENTS = frozenset({"password", "key", "license_key"})
#: Events and calls waiting for the writer thread at most; beyond, they are dropped and counted.
RECORDER_BACKLOG = 10_000

_EVENT_CLASSES: dict[str, type[Event]] = {t.__name__: t for t in EVENT_TYPES}
_AUTHORIZATION = re.compile(r"^((?:proxy-)?authorization[ \t]*:)[^\r\n]*", re.IGNORECASE | re.MULTILINE)
# The user part of a sip:, sips: or tel: URI, or of a bare user@host.
_URI_USER = re.compile(r"(?P<scheme>\b(?:sips?|tel):)?(?P<user>[^\s@:;<>\"'/,]+)@(?=[^\s@])", re.IGNORECASE)


class TraceError(ValueError):
    """A trace that cannot be read: which line, and why."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


# ---- events as JSON -----------------------------------------------------------------------------


def event_record(event: Event) -> dict[str, object]:
    """The JSON object of an event: "event" (the class name), then the fields by their Python names;
    ``bytes`` in base64, and message events also get "text" (the decoded body)."""
    record: dict[str, object] = {"event": type(event).__name__}
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        record[field.name] = base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
    if isinstance(event, MessageEvent):
        record["text"] = event.text
    return record


def event_json(event: Event) -> str:
    """One JSON object (:func:`event_record`), ASCII only: other characters as \\u escapes, and bytes
    of a string that were not UTF-8 as \\udcXX (Python's surrogateescape, so nothing is lost).

    Never fails: an event JSON cannot hold is still written, as {"event", "error", "repr"}.
    """
    try:
        return json.dumps(event_record(event))
    except Exception as exc:  # whatever a field holds, the event is written, not skipped
        return json.dumps({"event": type(event).__name__, "error": f"not encodable as JSON: {exc}", "repr": repr(event)})


def event_from_record(record: Mapping[str, Any]) -> Event:
    """The event a JSON object of :func:`event_record` describes; TraceError if it describes none."""
    name = record.get("event")
    event_type = _EVENT_CLASSES.get(name) if isinstance(name, str) else None
    if event_type is None:
        raise TraceError(f"unknown event {name!r}")
    values: list[Any] = []
    for kind, field in zip(event_type.signature, dataclasses.fields(event_type), strict=True):
        if field.name not in record:
            raise TraceError(f"{name}: no {field.name!r}")
        value = record[field.name]
        if kind == "d":
            if not isinstance(value, str):
                raise TraceError(f"{name}.{field.name}: base64 text expected, not {type(value).__name__}")
            try:
                value = base64.b64decode(value, validate=True)
            except binascii.Error as exc:
                raise TraceError(f"{name}.{field.name}: not base64: {exc}") from None
        elif kind == "s":
            if not isinstance(value, str):
                raise TraceError(f"{name}.{field.name}: text expected, not {type(value).__name__}")
        elif kind == "b":
            if not isinstance(value, bool):
                raise TraceError(f"{name}.{field.name}: true or false expected, not {value!r}")
        elif not isinstance(value, int) or isinstance(value, bool):
            raise TraceError(f"{name}.{field.name}: an integer expected, not {value!r}")
        values.append(value)
    return event_type(*values)


# ---- reading --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TraceHeader:
    """The first line of a recorded trace (absent from ``portsip watch --json`` output)."""

    version: int
    portsip: str
    sdk_version: str | None
    platform: str
    python: str
    started: str
    redacted: bool


@dataclasses.dataclass(frozen=True)
class TracedEvent:
    """An event, ``t`` seconds after the recording started (None: no time, as from ``watch --json``)."""

    t: float | None
    event: Event


@dataclasses.dataclass(frozen=True)
class TracedCall:
    """A call of an SDK function that returned an id (``result`` > 0) or an error (``result`` < 0)."""

    t: float | None
    function: str
    args: dict[str, Any]
    result: int


@dataclasses.dataclass(frozen=True)
class TracedDrops:
    """``count`` events or calls the recorder dropped (it could not write them fast enough)."""

    t: float | None
    count: int


TraceItem = TracedEvent | TracedCall | TracedDrops


def read_trace(source: str | os.PathLike[str] | IO[str]) -> Iterator[TraceHeader | TraceItem]:
    """The header (when there is one) and the items of a trace, in order, read one line at a time:
    a trace of any length reads in constant memory. TraceError names the line of what cannot be read;
    a last line cut short (the recorder was killed while writing it) is skipped, as it never finished.
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8", errors="surrogateescape", newline="\n") as file:
            yield from read_trace(file)
        return
    number = 0
    pending: tuple[int, str] | None = None  # a line is judged once the next one shows it was not the last
    for text in source:
        if pending is not None:
            item = _parse_line(*pending, last=False)
            if item is not None:
                yield item
        number += 1
        pending = (number, text)
    if pending is not None:
        item = _parse_line(*pending, last=True)
        if item is not None:
            yield item


def _parse_line(number: int, text: str, *, last: bool) -> TraceHeader | TraceItem | None:
    if not text.strip():
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        if last and not text.endswith("\n"):
            return None  # cut short by a kill: the line was never finished
        raise TraceError(f"not JSON: {exc}", number) from None
    if not isinstance(record, dict):
        raise TraceError("a JSON object expected", number)
    try:
        return _item(record, number)
    except TraceError as exc:
        raise TraceError(str(exc), number) from None


def _time(record: Mapping[str, Any]) -> float | None:
    t = record.get("t")
    if t is None:
        return None
    if isinstance(t, bool) or not isinstance(t, (int, float)) or t < 0:
        raise TraceError(f"t must be a number of seconds >= 0, not {t!r}")
    return float(t)


def _item(record: dict[str, Any], number: int) -> TraceHeader | TraceItem:
    if "trace" in record:
        if number != 1:
            raise TraceError("a header after the first line")
        if record.get("trace") != "portsip":
            raise TraceError(f"not a portsip trace: {record.get('trace')!r}")
        version = record.get("version")
        if version != FORMAT_VERSION:
            raise TraceError(f"trace format version {version!r}: this portsip reads version {FORMAT_VERSION}")
        return TraceHeader(
            version, str(record.get("portsip", "")), record.get("sdk_version"), str(record.get("platform", "")),
            str(record.get("python", "")), str(record.get("started", "")), bool(record.get("redacted", False)),
        )  # fmt: skip
    if "event" in record:
        if "error" in record and "repr" in record:
            raise TraceError(f"the event {record['event']!r} could not be recorded: {record['error']}")
        return TracedEvent(_time(record), event_from_record(record))
    if "call" in record:
        function, args, result = record["call"], record.get("args", {}), record.get("result")
        if not isinstance(function, str) or not isinstance(args, dict):
            raise TraceError("a call needs a function name and an args object")
        if isinstance(result, bool) or not isinstance(result, int):
            raise TraceError(f"a call's result must be an integer, not {result!r}")
        return TracedCall(_time(record), function, args, result)
    if "dropped" in record:
        count = record["dropped"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise TraceError(f"dropped must be a count, not {count!r}")
        return TracedDrops(_time(record), count)
    raise TraceError("neither a header, an event, a call nor a drop count")


def schema() -> dict[str, Any]:
    """The JSON Schema of a trace line (``trace.schema.json`` in this package)."""
    from importlib import resources

    text = resources.files(__package__ or "portsip").joinpath("trace.schema.json").read_text(encoding="utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


# ---- redaction ------------------------------------------------------------------------------------


class Redactor:
    """Takes secrets out of what goes into a trace; with ``pseudonyms``, the user parts of URIs too.

    Pseudonyms are keyed by a random secret of this redactor: the same user gets the same pseudonym
    throughout a trace, and nothing in the trace leads back to the user.
    """

    def __init__(self, pseudonyms: bool = False) -> None:
        self.pseudonyms = pseudonyms
        self._key = secrets.token_bytes(16)
        self._names: dict[str, str] = {}

    def text(self, value: str) -> str:
        value = _AUTHORIZATION.sub(lambda m: f"{m.group(1)} {REDACTED}", value)
        if self.pseudonyms and "@" in value:
            value = _URI_USER.sub(lambda m: f"{m.group('scheme') or ''}{self._pseudonym(m.group('user'))}@", value)
        return value

    def _pseudonym(self, user: str) -> str:
        name = self._names.get(user)
        if name is None:
            digest = hmac.new(self._key, user.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()
            name = self._names[user] = f"user-{digest[:10]}"
        return name

    def event(self, event: Event) -> Event:
        changes = {
            field.name: self.text(value)
            for field in dataclasses.fields(event)
            if isinstance(value := getattr(event, field.name), str) and value
        }
        changed = {name: value for name, value in changes.items() if value != getattr(event, name)}
        return dataclasses.replace(event, **changed) if changed else event

    def arguments(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: REDACTED if name in SECRET_ARGUMENTS and value else self._value(value)
            for name, value in arguments.items()
        }

    def _value(self, value: Any) -> Any:
        if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            raw = bytes(value)
            try:
                return self.text(raw.decode("utf-8"))
            except UnicodeDecodeError:
                return {"base64": base64.b64encode(raw).decode("ascii")}
        return {"repr": repr(value)}  # a pointer (a window handle, a callback): not replayable anyway


# ---- writing --------------------------------------------------------------------------------------


class Recorder:
    """Writes one instance's trace from a thread of its own (see :meth:`portsip.PortSIPLib.record`).

    :meth:`event` and :meth:`call` only queue (at most :data:`RECORDER_BACKLOG` items; beyond, they
    are dropped and counted, and the count is written as a ``dropped`` line): the delivery threads
    and the caller never wait for the disk. Every line is flushed when written, so a process that is
    killed leaves a trace that reads up to its last whole line.
    """

    def __init__(
        self, out: str | os.PathLike[str] | IO[str], *, sdk_version: Callable[[], str | None] = lambda: None, redact: bool = False
    ) -> None:
        self._owned = isinstance(out, (str, os.PathLike))
        self._file: IO[str] = (
            open(out, "w", encoding="utf-8", errors="surrogateescape", newline="\n")  # closed by close()
            if isinstance(out, (str, os.PathLike))
            else out
        )
        self.redact = redact
        self.redactor = Redactor(pseudonyms=redact)
        self._sdk_version = sdk_version
        self._started = time.monotonic()
        self._started_at = datetime.now(timezone.utc)
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._items: deque[tuple[float, str, Any]] = deque()
        self._closed = False
        self._header_written = False
        self.dropped = 0  # items dropped because the writer was behind
        self._dropped_written = 0
        self.written = 0  # lines written, the header's included
        self.error: BaseException | None = None  # what stopped the writer (a full disk...)
        self._thread = threading.Thread(target=self._run, name="portsip-recorder", daemon=True)
        self._thread.start()

    def _header(self) -> str:
        """Written before the first item (so that the SDK's version is known once it is initialized)."""
        return json.dumps({
            "trace": "portsip", "version": FORMAT_VERSION, "portsip": __version__, "sdk_version": self._sdk_version(),
            "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
            "python": sys.version.split()[0], "started": self._started_at.isoformat(timespec="milliseconds"),
            "redacted": self.redact,
        })  # fmt: skip

    # ---- the producers' side (never waits for the disk) ----

    def events(self, batch: Iterable[Event], now: float) -> None:
        self._put((now, "event", event) for event in batch)

    def call(self, function: str, arguments: Mapping[str, Any], result: int) -> None:
        self._put([(time.monotonic(), "call", (function, dict(arguments), result))])

    def _put(self, items: Iterable[tuple[float, str, Any]]) -> None:
        with self._lock:
            if self._closed:
                return
            queue = self._items
            for item in items:
                if len(queue) >= RECORDER_BACKLOG:
                    self.dropped += 1
                else:
                    queue.append(item)
            self._wake.notify()

    # ---- the writer thread ----

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._items and not self._closed:
                    self._wake.wait()
                items = list(self._items)
                self._items.clear()
                dropped, closed = self.dropped, self._closed
            try:
                if not self._header_written:
                    self._write_line(self._header())
                    self._header_written = True
                for when, kind, payload in items:
                    self._write_line(self._line(when, kind, payload))
                if dropped > self._dropped_written:
                    self._write_line(json.dumps({"t": self._offset(time.monotonic()), "dropped": dropped - self._dropped_written}))
                    self._dropped_written = dropped
            except (OSError, ValueError) as exc:  # a full disk, a closed file: stop recording, say why at close
                self.error = exc
                with self._lock:
                    self._closed = True
                    self._items.clear()
                return
            if closed:
                return

    def _offset(self, when: float) -> float:
        return round(max(0.0, when - self._started), 6)

    def _line(self, when: float, kind: str, payload: Any) -> str:
        t = self._offset(when)
        if kind == "event":
            record = json.loads(event_json(self.redactor.event(payload)))
            return json.dumps({"t": t, **record})
        function, arguments, result = payload
        line: dict[str, Any] = {"t": t, "call": function, "args": self.redactor.arguments(arguments), "result": result}
        if result < 0:
            line["error"] = error_name(result)
        return json.dumps(line)

    def _write_line(self, text: str) -> None:
        self._file.write(text + "\n")
        self._file.flush()
        self.written += 1

    def close(self, timeout: float | None = 5.0) -> None:
        """Write what is queued (for at most ``timeout`` s), then close the file. Idempotent."""
        with self._lock:
            if self._closed and not self._thread.is_alive():
                return
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout)
        if self._owned:
            self._file.close()



class Recording:
    """A trace being recorded: what :meth:`portsip.PortSIPLib.record` returns. A context manager that
    stops the recording on exit; :meth:`stop` does the same (idempotent)."""

    def __init__(self, recorder: Recorder, detach: Callable[[Recorder], None]) -> None:
        self._recorder = recorder
        self._detach = detach

    @property
    def dropped(self) -> int:
        """Events and calls not written because the recorder was behind (also written as ``dropped`` lines)."""
        return self._recorder.dropped

    @property
    def error(self) -> BaseException | None:
        """What stopped the writing (a full disk...), or None."""
        return self._recorder.error

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop recording, write what is queued (for at most ``timeout`` s) and close the file."""
        self._detach(self._recorder)
        self._recorder.close(timeout)

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
