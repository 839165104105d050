"""From the native queue's records to typed events, fast: code built once per event class at import.

Every SDK event crosses this module once, so it is the binding's hot path. Like ``dataclasses``
(which builds each class's ``__init__`` from source text) and ``collections.namedtuple``, it
builds a small, specialised function from each event class's ``signature`` instead of looping
over fields at run time. :func:`record_decoder` reads one record of the native event queue
(``native/portsip_events.h`` describes the layout) straight out of the batch's memory: one
``struct`` call for the fixed fields (which hold where each string and body ends), one slice per
string or body, and the event made without calling its frozen ``__init__`` (which sets each field
through ``object.__setattr__``): its slots are set directly, about twice as fast. The result is the
same frozen object; nothing else creates events this way.

Strings are decoded as UTF-8 with ``surrogateescape``, so no byte of the SDK's is lost; when all
the strings of a record are ASCII (SIP text nearly always is), they are decoded in one call and
cut apart.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from .events import Event

#: The record header: size (uint32), event index (uint16), flags (uint16).
RECORD_HEADER = struct.Struct("=IHH")
#: The struct code of each signature letter's fixed field (s and d: where its bytes end).
_FIXED_CODES = {"l": "q", "i": "i", "b": "?", "s": "i", "d": "i"}

Decoder = Callable[[Any, int], Event]


def record_decoder(event_type: type[Event], view: bool = False) -> Decoder:
    """``decode(chunk, offset)``: the event in the native queue's record at ``offset``.

    ``chunk`` is the batch's memory: ``bytes`` (a copy of a batch of small records), or with
    ``view`` a ``memoryview`` of the native memory (large records: each body is then copied once,
    into its event).
    """
    signature = event_type.signature
    fixed = struct.Struct("=" + "".join(_FIXED_CODES[kind] for kind in signature))
    names = [f"e{k}" if kind in "sd" else f"v{k}" for k, kind in enumerate(signature)]
    payload = [k for k, kind in enumerate(signature) if kind in "sd"]
    texts = [k for k in payload if signature[k] == "s"]
    copy = "bytes({})" if view else "{}"

    def begin(k: int) -> str:  # where field k's bytes start, relative to the payload
        position = payload.index(k)
        return "0" if position == 0 else f"e{payload[position - 1]}"

    lines = ["def decode(chunk, offset):"]
    if signature:
        lines.append(f"    {', '.join(names)}, = unpack(chunk, offset + {RECORD_HEADER.size})")
    if payload:
        lines.append(f"    start = offset + {RECORD_HEADER.size + fixed.size}")
    if texts:
        region = copy.format(f"chunk[start:start + e{texts[-1]}]")
        lines += [f"    region = {region}", "    if region.isascii():", "        text = region.decode('ascii')"]
        lines += [f"        v{k} = text[{begin(k)}:e{k}]" for k in texts]
        lines.append("    else:")
        lines += [f"        v{k} = region[{begin(k)}:e{k}].decode('utf-8', 'surrogateescape')" for k in texts]
    for k in payload:
        if signature[k] == "d":
            lines.append(f"    v{k} = " + copy.format(f"chunk[start + {begin(k)}:start + e{k}]"))
    lines.append("    event = new(cls)")
    lines += [f"    set{k}(event, v{k})" for k in range(len(signature))]
    lines.append("    return event")
    namespace: dict[str, Any] = {"unpack": fixed.unpack_from, "new": object.__new__, "cls": event_type}
    namespace.update({f"set{k}": getattr(event_type, field.name).__set__ for k, field in enumerate(fields(event_type))})
    exec("\n".join(lines), namespace)
    return namespace["decode"]  # type: ignore[no-any-return]
