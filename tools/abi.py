"""Read native/portsip_abi.h as text: the declarations and the naming rules (development only).

The binding itself never parses C: cffi reads the header at run time, and everything else the
run-time needs from it (event classes, handler and setter names) is generated into
portsip/events.py by tools/generate.py. This module serves that generator and the tests that
compare the header with the vendor's facts. It is a small parser for the declarations we write,
not a general C parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ABI_HEADER = ROOT / "native" / "portsip_abi.h"
ERRORS_HEADER = ROOT / "native" / "portsip_errors.h"


@dataclass(frozen=True)
class Param:
    c_type: str  # normalised, e.g. "const char*", "long", "int*"
    name: str


@dataclass(frozen=True)
class Declaration:
    """A function prototype or a callback typedef."""

    name: str
    returns: str
    params: tuple[Param, ...]
    section: str = ""  # the header's "/* ---- Title" comment above it

    def c_text(self, name: str | None = None) -> str:
        """The declaration as C, e.g. 'int PortSIP_registerServer(void* sdk, int regExpires, ...)'."""
        params = ", ".join(f"{p.c_type} {p.name}" for p in self.params) or "void"
        return f"{self.returns} {name or self.name}({params})"


_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_SECTION = re.compile(r"/\*\s*-{4}\s*(?P<title>[^.:\n]+?)\s*(?:[.:]|\s-|\*/|\n)")
_TRAILING_REMARK = re.compile(r"\s*\([^()]*\)$")  # "Account and registration (results arrive as ...)"
_TYPEDEF = re.compile(r"typedef\s+(?P<ret>[\w\s\*]+?)\s*\(\s*\*\s*(?P<name>\w+)\s*\)\s*\((?P<params>.*)\)$", re.S)
_FUNCTION = re.compile(r"(?P<ret>[\w\s\*]+?)\s*\b(?P<name>\w+)\s*\((?P<params>.*)\)$", re.S)
_PARAM = re.compile(r"(?P<type>.*?[\s\*])(?P<name>\w+)$", re.S)
_ENUM_MEMBER = re.compile(r"(\w+)\s*=\s*(-?\d+)")


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def normalise_type(c_type: str) -> str:
    """'const  char *' -> 'const char*', so types compare as text."""
    c_type = " ".join(c_type.split())
    return re.sub(r"\s*\*\s*", "*", c_type).strip()


def _params(text: str) -> tuple[Param, ...]:
    text = text.strip()
    if text in ("", "void"):
        return ()
    params = []
    for raw in text.split(","):
        match = _PARAM.match(raw.strip())
        if match is None:
            raise ValueError(f"cannot parse parameter {raw!r}")
        params.append(Param(normalise_type(match["type"]), match["name"]))
    return tuple(params)


def _sections(text: str) -> list[tuple[str, str]]:
    """(section title, text) pairs, split at the header's "/* ---- Title" comments."""
    parts: list[tuple[str, str]] = []
    title, start = "", 0
    for match in _SECTION.finditer(text):
        parts.append((title, text[start : match.start()]))
        title, start = _TRAILING_REMARK.sub("", match["title"].strip()), match.start()
    parts.append((title, text[start:]))
    return parts


def _statements(text: str) -> list[str]:
    text = _COMMENT.sub(" ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    return [" ".join(s.split()) for s in text.split(";") if s.strip()]


def parse_declarations(text: str) -> tuple[list[Declaration], list[Declaration]]:
    """(callback typedefs, function prototypes) of a header, in file order."""
    callbacks: list[Declaration] = []
    functions: list[Declaration] = []
    for section, part in _sections(text):
        for statement in _statements(part):
            if statement.startswith(("typedef struct", "enum", "}")):
                continue
            match = _TYPEDEF.match(statement)
            target = callbacks
            if match is None:
                match = _FUNCTION.match(statement)
                target = functions
            if match:
                target.append(
                    Declaration(match["name"], normalise_type(match["ret"]), _params(match["params"]), section)
                )
    return callbacks, functions


def parse_enum_values(text: str) -> dict[str, int]:
    """NAME -> value for every `NAME = value` in a header's enums."""
    return {name: int(value) for name, value in _ENUM_MEMBER.findall(_COMMENT.sub(" ", text))}


# ---- naming rules: vendor names -> Python names ------------------------------------------------

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

#: Parameter names that are Python keywords or too vague as field names.
FIELD_RENAMES = {"from": "from_uri", "to": "to_uri"}

#: The prefixes of the vendor's C functions, dropped from Python method names.
FUNCTION_PREFIXES = ("PortSIP_", "PSCallback_")


def snake_case(name: str) -> str:
    """The vendor's camelCase as snake_case: 'ACTVTransferFailure' -> 'actv_transfer_failure'."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def field_name(vendor_param: str) -> str:
    return FIELD_RENAMES.get(vendor_param, snake_case(vendor_param))


def method_name(function: str) -> str:
    """The Python method a vendor function becomes: 'PortSIP_sendOutOfDialogMessage' -> 'send_out_of_dialog_message'."""
    for prefix in FUNCTION_PREFIXES:
        if function.startswith(prefix):
            return snake_case(function[len(prefix) :])
    return snake_case(function)


#: One letter per C argument kind; the stub's event table uses the same letters.
KIND_LETTERS = {
    "long": "l", "int": "i", "bool": "b", "const char*": "s",
    "const unsigned char*": "d", "unsigned char*": "d",  # a byte buffer (followed by its int length)
}
#: The Python type of an event field of each kind.
PY_TYPES = {"l": "int", "i": "int", "b": "bool", "s": "str", "d": "bytes"}


@dataclass(frozen=True)
class EventSpec:
    """One SDK event, as the callback typedef in portsip_abi.h declares it."""

    index: int  # position in the header: the stub's event number
    vendor_name: str  # "registerSuccess"
    class_name: str  # "RegisterSuccess"
    typedef: str  # "registerSuccessHandler"
    setter: str  # "PSCallback_setRegisterSuccessHandler"
    handler_name: str  # "on_register_success"
    signature: str  # one KIND_LETTERS letter per field; "d" covers a buffer and its length
    fields: tuple[str, ...]  # Python field names, one per signature letter
    params: tuple[Param, ...]  # the C parameters after callbackIndex/callbackObject
    declaration: Declaration


#: Media stream callbacks (raw audio/video frames, RTP packets) are typedefs named like the vendor's
#: .NET delegates, ending in "Callback". They are passed to a PortSIP_* function rather than set on
#: the dispatcher, so they are not SDK events; event typedefs end in "Handler".
STREAM_CALLBACK_SUFFIX = "Callback"


def event_typedefs(callbacks: list[Declaration]) -> list[Declaration]:
    """The callback typedefs that are SDK events (the media stream callbacks left out), in order."""
    return [decl for decl in callbacks if not decl.name.endswith(STREAM_CALLBACK_SUFFIX)]


def _fields(decl: Declaration, params: tuple[Param, ...]) -> tuple[str, tuple[str, ...]]:
    """(signature, Python field names) of a callback's parameters after its routing ones."""
    signature, fields = [], []
    position = 0
    while position < len(params):
        param = params[position]
        kind = KIND_LETTERS.get(param.c_type)
        if kind is None:
            raise ValueError(f"{decl.name}: no marshalling rule for {param.c_type} {param.name}")
        if kind == "d":
            # A byte buffer is always followed by its int length: one `data: bytes` field.
            length = params[position + 1] if position + 1 < len(params) else None
            if length is None or length.c_type != "int":
                raise ValueError(f"{decl.name}: {param.name} must be followed by its int length")
            fields.append("data")
            position += 2
        else:
            fields.append(field_name(param.name))
            position += 1
        signature.append(kind)
    return "".join(signature), tuple(fields)


def frame_specs(text: str, first_index: int) -> list[EventSpec]:
    """The media stream callbacks as record kinds of the event queue, numbered from ``first_index``.

    audioRawCallback -> AudioRawFrame, videoRawCallback -> VideoRawFrame, receivedRTPCallback ->
    ReceivedRTPPacket, sendingRTPCallback -> SendingRTPPacket; their first parameter, ``void*
    callbackObject``, carries the routing id.
    """
    callbacks, _ = parse_declarations(text)
    streams = [decl for decl in callbacks if decl.name.endswith(STREAM_CALLBACK_SUFFIX)]
    specs = []
    for offset, decl in enumerate(streams):
        if decl.returns != "int" or not decl.params or decl.params[0].c_type != "void*":
            raise ValueError(f"{decl.name}: a stream callback returns int and takes void* callbackObject first")
        stem = decl.name[: -len(STREAM_CALLBACK_SUFFIX)]
        class_name = stem[0].upper() + stem[1:] + ("Packet" if "RTP" in stem else "Frame")
        signature, fields = _fields(decl, decl.params[1:])
        specs.append(
            EventSpec(
                index=first_index + offset,
                vendor_name=decl.name,
                class_name=class_name,
                typedef=decl.name,
                setter="",
                handler_name="",
                signature=signature,
                fields=fields,
                params=decl.params[1:],
                declaration=decl,
            )
        )
    return specs


def event_specs(text: str) -> list[EventSpec]:
    callbacks, _ = parse_declarations(text)
    specs = []
    for index, decl in enumerate(event_typedefs(callbacks)):
        if not decl.name.endswith("Handler") or decl.returns != "int":
            raise ValueError(f"{decl.name}: callback typedefs are named <event>Handler and return int")
        routing = [p.c_type for p in decl.params[:2]]
        if routing != ["long", "long"]:
            raise ValueError(f"{decl.name}: the first two parameters must be long callbackIndex/callbackObject")
        vendor = decl.name[: -len("Handler")]
        params = decl.params[2:]
        signature, fields = _fields(decl, params)
        class_name = vendor[0].upper() + vendor[1:]
        specs.append(
            EventSpec(
                index=index,
                vendor_name=vendor,
                class_name=class_name,
                typedef=decl.name,
                setter=f"PSCallback_set{class_name}Handler",
                handler_name="on_" + snake_case(vendor),
                signature=signature,
                fields=fields,
                params=params,
                declaration=decl,
            )
        )
    return specs
