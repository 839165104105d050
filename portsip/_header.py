"""Find our C headers and give each its cffi FFI; nothing here parses C.

``native/portsip_abi.h`` is the single source of truth for the ABI: cffi reads it at run time
as the binding's cdef, ``native/portsip_errors.h`` names the SDK's return codes (through cffi
too), and ``stubs/portsip_stub.h`` is the cdef of the stub's control API. Integer ``#define``s
stay in each cdef, so a constant shared by C and Python is ``lib.NAME``, never a copy. The generator and
the tests read the same headers as text (``tools/``); the run-time needs no more than cffi.

In a source checkout the headers sit in ``native/`` and ``stubs/`` next to the package; an
installed package carries copies in ``portsip/_native`` and ``portsip/_stubs`` (see
pyproject.toml and :func:`portsip._cbuild.source_dir`).
"""

from __future__ import annotations

import re
import threading
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


#: ``#define NAME <integer>``: cffi reads it as a constant (``lib.NAME``), so a value the C code and
#: the binding share is written once, in the header.
_INTEGER_DEFINE = re.compile(r"#\s*define\s+[A-Za-z_]\w*\s+-?(?:0[xX][0-9a-fA-F]+|\d+)\s*(?:/\*.*\*/|//.*)?")


def cdef_source(text: str) -> str:
    """The header as cffi reads it: integer ``#define``s kept, other preprocessor lines (guards,
    includes, macros) removed."""
    return "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#") or _INTEGER_DEFINE.fullmatch(line.strip())
    )


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
