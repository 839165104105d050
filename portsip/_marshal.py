"""From the SDK's arguments to typed events, fast: code built once per event class at import.

Every SDK event crosses this module once, so it is the binding's hot path. Like ``dataclasses``
(which builds each class's ``__init__`` from source text) and ``collections.namedtuple``, it
builds small, specialised functions from each event class's ``signature`` instead of looping over
fields at run time:

* :func:`builder` makes an event without calling its frozen ``__init__`` (which sets each field
  through ``object.__setattr__``): it sets the slots directly, about twice as fast. The result is
  the same frozen object; nothing else may create events this way.
* :func:`record_decoder` reads one record of the native event queue (``native/portsip_events.h``
  describes the layout) straight out of the queue's memory: one ``struct`` call for the fixed
  fields, one slice per string or body.

Strings are decoded as UTF-8 with ``surrogateescape`` everywhere, so no byte of the SDK's is lost.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from .events import Event

#: The record header: size (uint32), event index (uint16), flags (uint16).
RECORD_HEADER = struct.Struct("=IHH")
#: The struct code of each signature letter's fixed field (s and d: their int32 length).
_FIXED_CODES = {"l": "q", "i": "i", "b": "?", "s": "i", "d": "i"}


def _field_names(event_type: type[Event]) -> list[str]:
    return [f.name for f in fields(event_type)]


def _compile(name: str, lines: list[str], namespace: dict[str, Any]) -> Any:
    exec("\n".join(lines), namespace)
    return namespace[name]


def builder(event_type: type[Event]) -> Callable[..., Event]:
    """``make(*field_values)``: a new ``event_type`` with its slots set directly."""
    names = _field_names(event_type)
    params = ", ".join(f"v{k}" for k in range(len(names)))
    lines = [f"def make({params}):", "    event = new(cls)"]
    lines += [f"    set{k}(event, v{k})" for k in range(len(names))]
    lines.append("    return event")
    namespace: dict[str, Any] = {"new": object.__new__, "cls": event_type}
    namespace.update({f"set{k}": getattr(event_type, name).__set__ for k, name in enumerate(names)})
    return _compile("make", lines, namespace)  # type: ignore[no-any-return]


def record_decoder(event_type: type[Event]) -> Callable[[Any, int], Event]:
    """``decode(chunk, offset)``: the event in the native queue's record at ``offset``.

    ``chunk`` is the batch's memory as ``bytes`` or a ``memoryview``. The strings of a record lie
    side by side: when they are all ASCII (SIP text nearly always is), they are decoded in one call
    and cut apart as ``str``; otherwise each is decoded on its own, as UTF-8 with surrogateescape.
    """
    signature = event_type.signature
    fixed = struct.Struct("=" + "".join(_FIXED_CODES[kind] for kind in signature))
    fields_ = [f"f{k}" for k in range(len(signature))]
    payload = [k for k, kind in enumerate(signature) if kind in "sd"]
    texts = [k for k in payload if signature[k] == "s"]
    lines = ["def decode(chunk, offset):"]
    if signature:
        lines.append(f"    {', '.join(fields_)}, = unpack(chunk, offset + {RECORD_HEADER.size})")
    lines.append(f"    start = offset + {RECORD_HEADER.size + fixed.size}")
    # end{k}: where field k's bytes end, relative to start (a NULL string, length -1, has none)
    previous = "0"
    for k in payload:
        length = f"(f{k} if f{k} > 0 else 0)" if signature[k] == "s" else f"f{k}"
        lines.append(f"    end{k} = {previous} + {length}")
        previous = f"end{k}"
    def begin(k: int) -> str:
        position = payload.index(k)
        return "0" if position == 0 else f"end{payload[position - 1]}"
    if texts:
        lines += [
            f"    region = bytes(chunk[start:start + end{texts[-1]}])",
            "    if region.isascii():",
            "        text = region.decode('ascii')",
        ]
        lines += [f"        f{k} = text[{begin(k)}:end{k}]" for k in texts]
        lines.append("    else:")
        lines += [f"        f{k} = region[{begin(k)}:end{k}].decode('utf-8', 'surrogateescape')" for k in texts]
    for k in payload:
        if signature[k] == "d":
            lines.append(f"    f{k} = bytes(chunk[start + {begin(k)}:start + end{k}])")
    lines.append(f"    return make({', '.join(fields_)})")
    namespace: dict[str, Any] = {"unpack": fixed.unpack_from, "make": builder(event_type)}
    return _compile("decode", lines, namespace)  # type: ignore[no-any-return]
