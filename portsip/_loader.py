"""Find and open the SDK library (cffi ABI mode), once per path, for the life of the process.

Resolution order (:func:`resolve`): the explicit ``library`` argument, else the environment variable
``PORTSIP_SDK_LIBRARY``, else the platform's default name (an empty argument or variable is an
error, never a reason to look elsewhere): ``portsip_sdk.dll`` (Windows: in the
application's folder, System32 and the folders added with ``os.add_dll_directory``, then in
each folder on ``PATH``; never the current directory), ``libportsip_sdk.so`` or
``libportsip_sdk.dylib`` through the dynamic loader's search path. Whatever is chosen must
export every function the cdef (native/portsip_abi.h) declares; otherwise one
:class:`LibraryLoadError` says what was tried and, for each, why it failed in words a person can
act on: not found (and where it was looked for), built for another system or architecture (read
from the file's header by :mod:`portsip._binary`), a library it depends on missing, or functions
missing (how many, and which).

On Windows a DLL given by path is opened with its own folder searched for its dependencies
(see :mod:`portsip._windows_dll`), so the SDK's DLLs load from where the SDK is.

Nothing here runs at ``import portsip``. Opened libraries are never closed: SDK threads may
call into trampolines until the very end of the process (cffi closes a lib object that is
collected, so the cache below also keeps them alive).
"""

from __future__ import annotations

import ctypes.util
import glob
import os
import re
import sys
import sysconfig
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cffi import FFI

from . import _args, _binary, _header, _windows_dll
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


#: How a library was chosen -> how messages name it.
ORIGINS = {"argument": "the library argument", "environment": f"${ENV_VAR}", "default": "the platform's default names"}


@dataclass(frozen=True)
class Resolution:
    """Which files the loader tries for a ``library`` argument, and why those."""

    origin: str  # a key of ORIGINS: "argument", "environment" or "default"
    candidates: tuple[str, ...]  # tried in this order; the first that opens is used

    @property
    def source(self) -> str:
        return ORIGINS[self.origin]


def resolve(library: str | os.PathLike[str] | None = None) -> Resolution:
    """The candidates for ``library`` (None: ``$PORTSIP_SDK_LIBRARY``, else the default names).

    An empty path, as argument or in the variable (an unset CI variable expands to that), raises
    :class:`LibraryLoadError`: it names no library, and looking elsewhere would hide the mistake.
    """
    if library is not None:
        if not isinstance(library, (str, os.PathLike)):
            raise TypeError(f"library must be a path (str or os.PathLike), not {type(library).__name__}")
        path = os.fspath(library)
        _args.text("library", path, "a file path")  # str without NUL: Windows' loader would cut the path there
        if not path:
            raise LibraryLoadError(f"the library path is empty: give the path of the SDK library file ({default_names()[0]})")
        return Resolution("argument", (path,))
    from_env = os.environ.get(ENV_VAR)
    if from_env is not None:
        if not from_env:
            raise LibraryLoadError(
                f"${ENV_VAR} is set but empty: set it to the path of the SDK library file ({default_names()[0]}), "
                "or unset it to find the SDK by its default name"
            )
        return Resolution("environment", (from_env,))
    names = default_names()
    if sys.platform == "win32":
        return Resolution("default", (*names, *(p for name in names for p in _on_path(name))))
    found = ctypes.util.find_library("portsip_sdk")
    if found and found not in names:
        names.append(found)
    return Resolution("default", tuple(names))


def search_folders() -> list[str]:
    """Where the system looks for a library given by name, in order (as far as it can be known from here)."""
    if sys.platform == "win32":
        dirs = _windows_dll.system_dirs()
        return dirs + [folder for folder in os.environ.get("PATH", "").split(os.pathsep) if folder and folder not in dirs]
    variable = "DYLD_LIBRARY_PATH" if sys.platform == "darwin" else "LD_LIBRARY_PATH"
    folders = [folder for folder in os.environ.get(variable, "").split(os.pathsep) if folder]
    if sys.platform == "darwin":
        fallback = os.environ.get("DYLD_FALLBACK_LIBRARY_PATH") or "/usr/local/lib:/usr/lib"
        folders += fallback.split(os.pathsep)
    else:
        folders += _ld_so_conf_folders("/etc/ld.so.conf")
        multiarch = sysconfig.get_config_var("MULTIARCH")
        for base in ("/lib", "/usr/lib"):
            folders += [f"{base}/{multiarch}"] if multiarch else []
            folders += [f"{base}64", base]
    return [folder for folder in dict.fromkeys(folders) if os.path.isdir(folder)]


def _ld_so_conf_folders(path: str, depth: int = 0) -> list[str]:
    """The folders /etc/ld.so.conf lists (the ldconfig cache is built from them), with its includes."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            lines = [line.split("#", 1)[0].strip() for line in file]
    except OSError:
        return []
    folders = []
    for line in lines:
        if line.startswith("include ") and depth < 4:
            pattern = line.removeprefix("include ").strip()
            for included in sorted(glob.glob(os.path.join(os.path.dirname(path), pattern))):
                folders += _ld_so_conf_folders(included, depth + 1)
        elif line.startswith("/"):
            folders.append(line)
    return folders


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


#: cffi appends this to every dlopen failure of a name; it only says the name is not a library name.
_CFFI_NOISE = re.compile(r"\.?\s+Additionally, ctypes\.util\.find_library\(\) did not manage to locate.*$", re.S)
#: glibc: "<file>: cannot open shared object file: No such file or directory" (the file may be a dependency)
_NOT_OPENED = re.compile(r"^(?P<file>[^:]+): cannot open shared object file: (?P<why>.*)$")
_UNDEFINED = re.compile(r"undefined symbol: (?P<symbol>\S+)")


def _dlopen_reason(exc: OSError, candidate: str) -> str:
    """One line from cffi's dlopen error: the system's own words, without cffi's additions or the file name again."""
    text = _CFFI_NOISE.sub("", str(exc))
    text = text.removeprefix(f"cannot load library '{candidate}': ")
    text = " ".join(text.split())  # macOS reports on several lines
    if text.startswith(f"{candidate}: "):
        text = text[len(candidate) + 2 :]
    elif dependency := _NOT_OPENED.match(text):  # another file: a library it depends on
        return f"a library it depends on is missing: {dependency['file']} ({dependency['why']})"
    undefined = _UNDEFINED.search(text)
    if undefined:
        return (
            f"a library it depends on lacks the symbol {undefined['symbol']}: are the SDK's libraries "
            "from different versions, or is an older copy of one found first?"
        )
    return text.rstrip(".")


def _not_found(name: str) -> str:
    """Why a library given by name was not found: where it was looked for, and copies there this Python cannot load."""
    folders = search_folders()
    for folder in folders:
        copy = os.path.join(folder, name)
        why = _binary.why_unloadable(copy)
        if why:  # the loader skips a file it cannot load and reports "not found"
            return f"found {copy}, but it is {why}"
    return f"not found in the loader's search path ({', '.join(folders) or 'no folders'})"


def _open(ffi: FFI, candidate: str) -> tuple[Any, str]:
    """(cffi lib, the path opened), or OSError with a reason a person can act on."""
    is_path = os.sep in candidate or bool(os.altsep and os.altsep in candidate)
    if is_path and not os.path.exists(candidate):
        folder = os.path.dirname(os.path.abspath(candidate))
        raise OSError("no such file" if os.path.isdir(folder) else f"no such file, nor the folder {folder}")
    unloadable = _binary.why_unloadable(candidate) if is_path else None
    if unloadable:
        raise _Explained(unloadable)
    if sys.platform != "win32":
        try:
            lib = open_for_good(ffi, candidate)
        except OSError as exc:
            reason = _dlopen_reason(exc, candidate)
            if not is_path and "No such file" in reason:
                raise OSError(_not_found(candidate)) from None
            raise OSError(reason) from None
        return lib, (candidate if is_path else _file_of(ffi, lib) or candidate)
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


class _DlInfo(ctypes.Structure):
    _fields_ = (("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p))  # fmt: skip


def _file_of(ffi: FFI, lib: Any) -> str | None:
    """The full path of the file a library opened by name came from (dladdr of one of its functions)."""
    address = None
    for name in dir(lib):
        try:
            function = getattr(lib, name)
        except AttributeError:  # not exported
            continue
        if not isinstance(function, int):  # an int is a constant, not a symbol
            address = int(ffi.cast("uintptr_t", function))
            break
    try:
        dladdr = ctypes.CDLL(None).dladdr
    except (AttributeError, OSError):
        return None
    dladdr.argtypes = (ctypes.c_void_p, ctypes.POINTER(_DlInfo))
    dladdr.restype = ctypes.c_int
    info = _DlInfo()
    if address is None or not dladdr(address, ctypes.byref(info)) or not info.dli_fname:
        return None
    return os.fsdecode(info.dli_fname)


def is_stub_library(path: str) -> bool:
    """Whether the library at ``path`` is portsip's stub (it exports the stub's control API), not the SDK."""
    try:
        return hasattr(ctypes.CDLL(path), "stub_abi_version")
    except OSError:
        return False


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


@dataclass(frozen=True)
class Attempt:
    """What happened to one candidate: opened (``path``, ``lib``, its missing functions) or not (``reason``)."""

    candidate: str
    path: str | None = None  # the file opened (a full path when it could be found out)
    lib: Any = None
    reason: str | None = None  # why it did not open, in words
    explained: bool = False  # the reason already says what to do
    missing: tuple[str, ...] = ()  # declared functions it lacks
    declared: int = 0  # functions the cdef declares

    @property
    def opened(self) -> bool:
        return self.reason is None


def attempts(resolution: Resolution) -> Iterator[Attempt]:
    """Try the candidates in order, up to and including the first that opens (whatever it lacks).

    A candidate this process opened before is taken as it was then (libraries are never closed).
    """
    ffi = get_ffi()
    for candidate in resolution.candidates:
        with _lock:
            cached = _opened.get(candidate)
        try:
            lib, opened = (cached.lib, cached.path) if cached else _open(ffi, candidate)
        except OSError as exc:
            yield Attempt(candidate, reason=str(exc), explained=isinstance(exc, _Explained))
            continue
        missing, declared = _missing_functions(lib)
        yield Attempt(candidate, opened, lib, missing=tuple(missing), declared=declared)
        return


def _lacks(attempt: Attempt, source: str) -> LibraryLoadError:
    missing = list(attempt.missing)
    shown = ", ".join(missing[:SHOWN_MISSING]) + (", ..." if len(missing) > SHOWN_MISSING else "")
    what = "exports none" if len(missing) == attempt.declared else f"lacks {len(missing)}"
    return LibraryLoadError(
        f"{attempt.path} (from {source}) is not the PortSIP SDK v17.1: it {what} of the {attempt.declared} functions "
        f"the binding calls ({shown}; the error's .missing lists them all). "
        + ("Is it the SDK at all?" if len(missing) == attempt.declared else "Is it another version of the SDK?"),
        tried=[(attempt.candidate, f"missing {len(missing)} functions")],
        missing=missing,
    )


def load_library(library: str | os.PathLike[str] | None = None) -> LoadedLibrary:
    """Open the SDK (or a library with the same ABI, such as the stub) and check its symbols."""
    resolution = resolve(library)
    tried: list[tuple[str, str]] = []
    explained = 0
    for attempt in attempts(resolution):
        if not attempt.opened:
            tried.append((attempt.candidate, attempt.reason or ""))
            explained += attempt.explained
            continue
        if attempt.missing:
            raise _lacks(attempt, resolution.source)
        assert attempt.path is not None
        with _lock:
            return _opened.setdefault(attempt.candidate, LoadedLibrary(get_ffi(), attempt.lib, attempt.path))
    attempts_text = "; ".join(f"{path}: {reason}" for path, reason in tried)
    advice = "" if explained == len(tried) else f" {_advice(resolution.source)}"
    raise LibraryLoadError(f"cannot load the PortSIP SDK from {resolution.source}. Tried {attempts_text}.{advice}", tried=tried)
