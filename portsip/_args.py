"""Check and convert Python arguments before any C call.

The SDK is C: a wrong type or an out-of-range integer must become a Python exception here,
never reach the library. Strings go to C as UTF-8 with ``surrogateescape`` (so a string an
event delivered can be sent back byte for byte); a C string cannot hold NUL, so one is
refused rather than silently truncated.
"""

from __future__ import annotations

import functools
import math
import threading
from enum import IntEnum
from typing import TypeVar

import cffi

IE = TypeVar("IE", bound=IntEnum)

#: The C integer types of the SDK's parameters. Their ranges are cffi's (``long`` is 32 bits on
#: Windows x64, LLP64, and 64 on Linux/macOS x86-64); SDKCore._call picks the type from the cdef.
C_INTEGER_TYPES = ("int", "unsigned int", "long", "unsigned long", "long long", "unsigned long long", "short", "unsigned short")


@functools.cache
def c_range(c_type: str) -> tuple[int, int]:
    """The values a C integer type holds, e.g. ``c_range("long")``; ``"uintptr_t"`` for pointers."""
    ffi = cffi.FFI()
    bits = 8 * ffi.sizeof(c_type)
    if int(ffi.cast(c_type, -1)) == -1:  # signed
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1


#: The ranges of the C types by name, for code that states a type of its own.
C_RANGES = {c_type: c_range(c_type) for c_type in ("int", "unsigned int", "long", "long long")} | {"void*": c_range("uintptr_t")}


def _type_name(value: object) -> str:
    return type(value).__name__


def _shown(value: object) -> str:
    """A value for an error message: a huge int by its size (str() refuses ints of over 4300 digits)."""
    if isinstance(value, int) and abs(value) > 10**30:
        return f"an int of {value.bit_length()} bits"
    return repr(value)


def text(name: str, value: object, carrier: str = "a C string") -> bytes:
    """A str for a `const char*` parameter (or another ``carrier`` of text), as the bytes C receives."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {_type_name(value)}")
    try:
        encoded = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} cannot be encoded as UTF-8: {exc.reason} at index {exc.start}") from None
    if b"\0" in encoded:
        raise ValueError(f"{name} contains a NUL character, which {carrier} cannot carry")
    return encoded


def data(name: str, value: object) -> bytes:
    """A bytes-like object for a buffer + int length pair."""
    if isinstance(value, str):
        raise TypeError(f"{name} must be bytes, not str: encode it first, e.g. {name}.encode('utf-8')")
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be bytes, bytearray or memoryview, not {_type_name(value)}")
    raw = bytes(value)
    longest = c_range("int")[1]  # the length parameter of every buffer is an int
    if len(raw) > longest:
        raise ValueError(f"{name} is {len(raw)} bytes; the SDK takes at most {longest}")
    return raw


def integer(name: str, value: object, c_type: str = "int", minimum: int | None = None, maximum: int | None = None) -> int:
    """An int (not a bool) that fits the C integer type ``c_type`` and the given bounds.

    The SDK's methods do not call this with a type: SDKCore._call checks each integer against
    the type the cdef gives its parameter, and a method states only bounds of its own (:func:`bounded`).
    """
    low, high = c_range(c_type)
    return bounded(name, value, low if minimum is None else max(low, minimum), high if maximum is None else min(high, maximum))


def bounded(name: str, value: object, minimum: int | None = None, maximum: int | None = None) -> int:
    """An int (not a bool) within bounds of the caller's own (a port, a SIP code), if any."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int, not {_type_name(value)}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if minimum is None or maximum is None:
            bound = f"at least {_shown(minimum)}" if maximum is None else f"at most {_shown(maximum)}"
        else:
            bound = f"between {_shown(minimum)} and {_shown(maximum)}"
        raise ValueError(f"{name} must be {bound}, got {_shown(value)}")
    return int(value)


def handle(name: str, value: object) -> int:
    """A native handle for a `void*` parameter (a window: HWND, NSView*, ...) as an int; None is NULL (0)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int handle or None, not {_type_name(value)}")
    return integer(name, value, "uintptr_t")


def flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be bool, not {_type_name(value)}")
    return value


def seconds(name: str, value: object, maximum: float = math.inf) -> float:
    """A duration: an int or float between 0 and ``maximum`` (NaN refused).

    An int too large for a float (``10**400``) exceeds every finite duration: it is ``inf``, which
    the default ``maximum`` admits and a finite one refuses (ValueError, never OverflowError).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {_type_name(value)}")
    if not 0 <= value <= maximum:
        raise ValueError(f"{name} must be between 0 and {maximum} seconds, got {_shown(value)}")
    try:
        return float(value)
    except OverflowError:
        return math.inf


def port(name: str, value: object) -> int:
    return integer(name, value, "int", 0, 65535)


def choice(name: str, value: object, enum_type: type[IE]) -> IE:
    """A member of a vendor enum, given as the member or its int value."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a {enum_type.__name__} or int, not {_type_name(value)}")
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(f"{m.name}={m.value}" for m in enum_type)
        raise ValueError(f"{name} must be one of {allowed}; got {_shown(value)}") from None


def timeout(name: str, value: object) -> float | None:
    """A wait's timeout: None (no limit) or seconds; values beyond what the OS can wait for
    (``inf``, ``1e10``, ``2**63``, ``10**400``) mean no limit rather than an OverflowError."""
    if value is None:
        return None
    limit = seconds(name, value)
    return None if limit >= threading.TIMEOUT_MAX else limit
