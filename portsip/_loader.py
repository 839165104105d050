"""Find and open the SDK library (cffi ABI mode), once per path, for the life of the process.

Resolution order: the explicit ``library`` argument, else the environment variable
``PORTSIP_SDK_LIBRARY``, else the platform's default name (portsip_sdk.dll,
libportsip_sdk.so, libportsip_sdk.dylib) through the system's search path. Whatever is
chosen must export every function native/portsip_abi.h declares; otherwise one
:class:`LibraryLoadError` names what was tried and what is missing.

Nothing here runs at ``import portsip``. Opened libraries are never closed: SDK threads may
call into trampolines until the very end of the process (cffi closes a lib object that is
collected, so the cache below also keeps them alive).
"""

from __future__ import annotations

import ctypes.util
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any

from cffi import FFI

from . import _header
from .errors import LibraryLoadError

ENV_VAR = "PORTSIP_SDK_LIBRARY"

_lock = threading.Lock()
_opened: dict[str, LoadedLibrary] = {}


@dataclass(frozen=True)
class LoadedLibrary:
    ffi: FFI
    lib: Any  # the cffi lib object: one attribute per declared C function
    path: str  # what was passed to dlopen


def get_ffi() -> FFI:
    """The FFI whose cdef is native/portsip_abi.h (parsed once)."""
    return _header.ffi_for(_header.ABI_HEADER)


def default_names() -> list[str]:
    if sys.platform == "win32":
        return ["portsip_sdk.dll"]
    if sys.platform == "darwin":
        return ["libportsip_sdk.dylib"]
    return ["libportsip_sdk.so"]


def _candidates(library: str | os.PathLike[str] | None) -> tuple[str, list[str]]:
    if library is not None:
        if not isinstance(library, (str, os.PathLike)):
            raise TypeError(f"library must be a path (str or os.PathLike), not {type(library).__name__}")
        return "the library argument", [os.fspath(library)]
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return f"${ENV_VAR}", [from_env]
    names = default_names()
    found = ctypes.util.find_library("portsip_sdk")
    if found and found not in names:
        names.append(found)
    return "the platform's default names", names


def required_functions() -> list[str]:
    _, functions = _header.parse_declarations(_header.read_header(_header.ABI_HEADER))
    return [f.name for f in functions]


def open_for_good(ffi: Any, path: str) -> Any:
    """``ffi.dlopen(path)``, never unloaded, not even when cffi's library object is freed as the
    interpreter finalizes: SDK threads may run the library's code, or call handlers in it, until the
    process ends, and unmapping it under them crashes the process (SIGSEGV at exit)."""
    if sys.platform == "win32":
        lib = ffi.dlopen(path)
        handle = ctypes.c_void_p()
        # GET_MODULE_HANDLE_EX_FLAG_PIN: stays loaded until the process ends, whatever FreeLibrary does
        ctypes.windll.kernel32.GetModuleHandleExW(1, path, ctypes.byref(handle))  # type: ignore[attr-defined]
        return lib
    return ffi.dlopen(path, ffi.RTLD_NOW | ffi.RTLD_NODELETE)


def load_library(library: str | os.PathLike[str] | None = None) -> LoadedLibrary:
    """Open the SDK (or a library with the same ABI, such as the stub) and check its symbols."""
    source, candidates = _candidates(library)
    ffi = get_ffi()
    tried: list[tuple[str, str]] = []
    for candidate in candidates:
        with _lock:
            cached = _opened.get(candidate)
        if cached is not None:
            return cached
        if os.sep in candidate or (os.altsep and os.altsep in candidate):
            if not os.path.exists(candidate):
                tried.append((candidate, "no such file"))
                continue
        try:
            lib = open_for_good(ffi, candidate)
        except OSError as exc:
            tried.append((candidate, str(exc)))
            continue
        missing = []
        for name in required_functions():
            try:
                getattr(lib, name)
            except AttributeError:
                missing.append(name)
        if missing:
            raise LibraryLoadError(
                f"{candidate} (from {source}) is not a PortSIP SDK v17.1 library: it lacks "
                f"{len(missing)} required function(s): {', '.join(missing)}",
                tried=[(candidate, "missing symbols")],
                missing=missing,
            )
        loaded = LoadedLibrary(ffi, lib, candidate)
        with _lock:
            loaded = _opened.setdefault(candidate, loaded)
        return loaded
    attempts = "; ".join(f"{path!r}: {reason}" for path, reason in tried)
    raise LibraryLoadError(
        f"cannot load the PortSIP SDK from {source}. Tried {attempts}. Pass library=<path>, "
        f"or set {ENV_VAR} to the SDK's full path (portsip.testing.stub_library_path() gives the stub's)",
        tried=tried,
    )
