"""Read our C headers: the ABI declaration (``native/``) and the stub's control API (``stubs/``).

``native/portsip_abi.h`` is the single source of truth for the ABI. The binding feeds it to
cffi as its cdef at run time, ``native/generate.py`` derives the event classes and the stub's
event table from it, and the tests compare it with the vendor's import library. This module
only reads text: importing it loads nothing native.

In a source checkout the headers sit in ``native/`` and ``stubs/`` next to the package; an
installed package carries copies in ``portsip/_native`` and ``portsip/_stubs`` (see
pyproject.toml and :func:`portsip._cbuild.source_dir`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import _cbuild

if TYPE_CHECKING:
    from cffi import FFI

ABI_HEADER = "portsip_abi.h"
ERRORS_HEADER = "portsip_errors.h"
STUB_HEADER = "portsip_stub.h"


def native_dir() -> Path:
    """The directory holding portsip_abi.h and portsip_errors.h."""
    return _cbuild.source_dir("native")


def stubs_dir() -> Path:
    """The directory holding the stub library's sources."""
    return _cbuild.source_dir("stubs")


def cdef_source(text: str) -> str:
    """The header as cffi reads it: preprocessor lines (guards, includes) removed."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


@cache
def read_header(name: str) -> str:
    directory = stubs_dir() if name == STUB_HEADER else native_dir()
    return (directory / name).read_text(encoding="utf-8")


_ffi_lock = threading.Lock()
_ffis: dict[str, FFI] = {}


def ffi_for(name: str) -> FFI:
    """A cffi FFI whose cdef is the header ``name``: one per header for the life of the process."""
    with _ffi_lock:
        if name not in _ffis:
            from cffi import FFI

            ffi = FFI()
            ffi.cdef(cdef_source(read_header(name)))
            _ffis[name] = ffi
        return _ffis[name]


# ---- a small parser for the declarations we write (not a general C parser) -------------------

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


_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_TYPEDEF = re.compile(r"typedef\s+(?P<ret>[\w\s\*]+?)\s*\(\s*\*\s*(?P<name>\w+)\s*\)\s*\((?P<params>.*)\)$", re.S)
_FUNCTION = re.compile(r"(?P<ret>[\w\s\*]+?)\s*\b(?P<name>\w+)\s*\((?P<params>.*)\)$", re.S)
_PARAM = re.compile(r"(?P<type>.*?[\s\*])(?P<name>\w+)$", re.S)
_ENUM_MEMBER = re.compile(r"(\w+)\s*=\s*(-?\d+)")


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


def _statements(text: str) -> list[str]:
    text = _COMMENT.sub(" ", cdef_source(text))
    return [" ".join(s.split()) for s in text.split(";") if s.strip()]


def parse_declarations(text: str) -> tuple[list[Declaration], list[Declaration]]:
    """(callback typedefs, function prototypes) of a header, in file order."""
    callbacks: list[Declaration] = []
    functions: list[Declaration] = []
    for statement in _statements(text):
        if statement.startswith("typedef struct") or statement.startswith("enum") or statement.startswith("}"):
            continue
        match = _TYPEDEF.match(statement)
        if match:
            callbacks.append(Declaration(match["name"], normalise_type(match["ret"]), _params(match["params"])))
            continue
        match = _FUNCTION.match(statement)
        if match:
            functions.append(Declaration(match["name"], normalise_type(match["ret"]), _params(match["params"])))
    return callbacks, functions


def parse_enum_values(text: str) -> dict[str, int]:
    """NAME -> value for every `NAME = value` in a header's enums."""
    return {name: int(value) for name, value in _ENUM_MEMBER.findall(_COMMENT.sub(" ", text))}


# ---- naming rules shared by the generator and the run-time ------------------------------------

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

#: Parameter names that are Python keywords or too vague as field names.
FIELD_RENAMES = {"from": "from_uri", "to": "to_uri"}


def snake_case(name: str) -> str:
    """The vendor's camelCase as snake_case: 'ACTVTransferFailure' -> 'actv_transfer_failure'."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def field_name(vendor_param: str) -> str:
    return FIELD_RENAMES.get(vendor_param, snake_case(vendor_param))


#: One letter per C argument kind; the stub's event table uses the same letters.
KIND_LETTERS = {"long": "l", "int": "i", "bool": "b", "const char*": "s", "const unsigned char*": "d"}


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


#: Media stream callbacks (raw audio/video frames, RTP packets) are typedefs named like the vendor's
#: .NET delegates, ending in "Callback". They are passed to a PortSIP_* function rather than set on
#: the dispatcher, so they are not SDK events; event typedefs end in "Handler".
STREAM_CALLBACK_SUFFIX = "Callback"


def event_typedefs(callbacks: list[Declaration]) -> list[Declaration]:
    """The callback typedefs that are SDK events (the media stream callbacks left out), in order."""
    return [decl for decl in callbacks if not decl.name.endswith(STREAM_CALLBACK_SUFFIX)]


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
        signature, fields = [], []
        params = decl.params[2:]
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
        class_name = vendor[0].upper() + vendor[1:]
        specs.append(
            EventSpec(
                index=index,
                vendor_name=vendor,
                class_name=class_name,
                typedef=decl.name,
                setter=f"PSCallback_set{class_name}Handler",
                handler_name="on_" + snake_case(vendor),
                signature="".join(signature),
                fields=tuple(fields),
                params=params,
            )
        )
    return specs
