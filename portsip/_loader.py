"""Find and open the SDK library (cffi ABI mode), once per path, for the life of the process.

Resolution order: the explicit ``library`` argument, else the environment variable
``PORTSIP_SDK_LIBRARY``, else the platform's default name: ``portsip_sdk.dll`` (Windows: in the
application's folder, System32 and the folders added with ``os.add_dll_directory``, then in
each folder on ``PATH``; never the current directory), ``libportsip_sdk.so`` or
``libportsip_sdk.dylib`` through the dynamic loader's search path. Whatever is chosen must
export every function the cdef (native/portsip_abi.h) declares; otherwise one
:class:`LibraryLoadError` says what was tried and what is missing.

On Windows a DLL given by path is opened with its own folder searched for its dependencies
(see :mod:`portsip._windows_dll`), so the SDK's DLLs load from where the SDK is.

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

from . import _args, _header, _windows_dll
from .errors import LibraryLoadError

ENV_VAR = "PORTSIP_SDK_LIBRARY"
#: Missing functions named in the message; LibraryLoadError.missing has them all.
SHOWN_MISSING = 5

_lock = threading.Lock()
_opened: dict[str, LoadedLibrary] = {}


@dataclass(frozen=True)
class LoadedLibrary:
    ffi: FFI
    lib: Any  # the cffi lib object: one attribute per declared C function
    path: str  # what was opened (a full path when one was found)


def get_ffi() -> FFI:
    """The FFI whose cdef is native/portsip_abi.h (parsed once)."""
    return _header.ffi_for(_header.ABI_HEADER)


def default_names() -> list[str]:
    if sys.platform == "win32":
        return ["portsip_sdk.dll"]
    if sys.platform == "darwin":
        return ["libportsip_sdk.dylib"]
    return ["libportsip_sdk.so"]


def _on_path(name: str) -> list[str]:
    """Windows: ``name`` in each folder on PATH, as full paths, in PATH order."""
    found = []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder.strip('"'), name)
        if folder and os.path.isabs(candidate) and os.path.isfile(candidate) and candidate not in found:
            found.append(candidate)
    return found


def _candidates(library: str | os.PathLike[str] | None) -> tuple[str, list[str]]:
    if library is not None:
        if not isinstance(library, (str, os.PathLike)):
            raise TypeError(f"library must be a path (str or os.PathLike), not {type(library).__name__}")
        path = os.fspath(library)
        _args.text("library", path, "a file path")  # str without NUL: Windows' loader would cut the path there
        return "the library argument", [path]
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return f"${ENV_VAR}", [from_env]
    names = default_names()
    if sys.platform == "win32":
        return "the platform's default names", [*names, *(p for name in names for p in _on_path(name))]
    found = ctypes.util.find_library("portsip_sdk")
    if found and found not in names:
        names.append(found)
    return "the platform's default names", names


def _advice(source: str) -> str:
    if source == f"${ENV_VAR}":
        return f"Fix or unset ${ENV_VAR}: it must be the full path of the SDK library file ({default_names()[0]})"
    if source == "the library argument":
        return f"Pass the full path of the SDK library file ({default_names()[0]})"
    where = "put its folder on PATH" if sys.platform == "win32" else "add its folder to the loader's path"
    return (
        f"Pass library=<path to {default_names()[0]}>, set ${ENV_VAR} to that path, or {where}. "
        "To test without the SDK, use the stub: portsip.testing.stub_library_path()"
    )


class _Explained(OSError):
    """A failure whose message already says what to do (e.g. which DLL is missing where)."""


def _open(ffi: FFI, candidate: str) -> tuple[Any, str]:
    """(cffi lib, the path opened), or OSError with a reason a person can act on."""
    is_path = os.sep in candidate or bool(os.altsep and os.altsep in candidate)
    if is_path and not os.path.exists(candidate):
        folder = os.path.dirname(os.path.abspath(candidate))
        raise OSError("no such file" if os.path.isdir(folder) else f"no such file, nor the folder {folder}")
    if sys.platform != "win32":
        return open_for_good(ffi, candidate), candidate
    path = os.path.abspath(candidate) if is_path else candidate
    try:
        handle = _windows_dll.load(path)
    except OSError as exc:
        code = getattr(exc, "winerror", None)
        explanation = _windows_dll.explain(path, code) if is_path else ""
        if explanation:
            raise _Explained(f"{exc.strerror} (Windows error {code}): {explanation}") from None
        raise OSError(f"{exc.strerror} (Windows error {code})") from None
    module_path = _windows_dll.module_path(handle) or path
    lib = ffi.dlopen(ffi.cast("void*", handle))  # type: ignore[arg-type, unused-ignore]  # cffi opens a handle too
    _pin_on_windows(module_path)
    return lib, module_path


def _missing_functions(lib: Any) -> tuple[list[str], int]:
    """(declared functions the library does not export, number of declared functions)."""
    missing, functions = [], 0
    for name in dir(lib):  # every name the cdef declares
        try:
            value = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            functions += 1
            continue
        if not isinstance(value, int):  # an enum constant is not a symbol
            functions += 1
    return missing, functions


def _pin_on_windows(path: str) -> None:
    handle = ctypes.c_void_p()
    # GET_MODULE_HANDLE_EX_FLAG_PIN: stays loaded until the process ends, whatever FreeLibrary does
    ctypes.windll.kernel32.GetModuleHandleExW(1, path, ctypes.byref(handle))  # type: ignore[attr-defined, unused-ignore]


def open_for_good(ffi: Any, path: str) -> Any:
    """``ffi.dlopen(path)``, never unloaded, not even when cffi's library object is freed as the
    interpreter finalizes: SDK threads may run the library's code, or call handlers in it, until the
    process ends, and unmapping it under them crashes the process (SIGSEGV at exit)."""
    if sys.platform == "win32":
        lib = ffi.dlopen(path)
        _pin_on_windows(path)
        return lib
    return ffi.dlopen(path, ffi.RTLD_NOW | ffi.RTLD_NODELETE)


def load_library(library: str | os.PathLike[str] | None = None) -> LoadedLibrary:
    """Open the SDK (or a library with the same ABI, such as the stub) and check its symbols."""
    source, candidates = _candidates(library)
    ffi = get_ffi()
    tried: list[tuple[str, str]] = []
    explained = 0
    for candidate in candidates:
        with _lock:
            cached = _opened.get(candidate)
        if cached is not None:
            return cached
        try:
            lib, opened = _open(ffi, candidate)
        except OSError as exc:
            tried.append((candidate, str(exc)))
            explained += isinstance(exc, _Explained)
            continue
        missing, total = _missing_functions(lib)
        if missing:
            shown = ", ".join(missing[:SHOWN_MISSING]) + (", ..." if len(missing) > SHOWN_MISSING else "")
            what = "exports none" if len(missing) == total else f"lacks {len(missing)}"
            raise LibraryLoadError(
                f"{opened} (from {source}) is not the PortSIP SDK v17.1: it {what} of the {total} functions "
                f"the binding calls ({shown}; the error's .missing lists them all). "
                + ("Is it the SDK at all?" if len(missing) == total else "Is it another version of the SDK?"),
                tried=[(candidate, f"missing {len(missing)} functions")],
                missing=missing,
            )
        loaded = LoadedLibrary(ffi, lib, opened)
        with _lock:
            loaded = _opened.setdefault(candidate, loaded)
        return loaded
    attempts = "; ".join(f"{path}: {reason}" for path, reason in tried)
    advice = "" if explained == len(tried) else f" {_advice(source)}"
    raise LibraryLoadError(f"cannot load the PortSIP SDK from {source}. Tried {attempts}.{advice}", tried=tried)
