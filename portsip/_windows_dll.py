"""Load a DLL on Windows so that its own folder is searched for its dependencies, and explain failures.

The vendor's ``portsip_sdk.dll`` imports DLLs that ship beside it (``portsip_media.dll``, ...).
Windows resolves those imports while loading the SDK; since Python 3.8 neither ``PATH`` nor the
current directory is where Python looks, and a plain ``LoadLibrary`` (older cffi) does not
search the SDK's folder either. :func:`load` therefore calls ``LoadLibraryExW`` itself:

* a full path gets ``LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS``: its
  dependencies (and theirs) are found in its own folder, then in the application's folder,
  System32 and the folders added with ``os.add_dll_directory``;
* a bare name gets ``LOAD_LIBRARY_SEARCH_DEFAULT_DIRS`` only (never the current directory).

When loading fails, :func:`explain` reads the PE import tables (pure Python, so it is tested
on any system) to say which DLL is missing, or which one is built for another architecture.
"""

from __future__ import annotations

import os
import struct
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR = 0x00000100
LOAD_LIBRARY_SEARCH_DEFAULT_DIRS = 0x00001000

ERROR_MOD_NOT_FOUND = 126
ERROR_PROC_NOT_FOUND = 127
ERROR_BAD_EXE_FORMAT = 193

MACHINES = {0x014C: "32-bit x86", 0x8664: "x64", 0xAA64: "ARM64"}
_PYTHON_MACHINE = {"win-amd64": 0x8664, "win-arm64": 0xAA64, "win32": 0x014C}


@dataclass(frozen=True)
class PEImage:
    machine: int  # IMAGE_FILE_HEADER.Machine, a key of MACHINES for the usual ones
    imports: tuple[str, ...]  # names of the DLLs in the import table, as written there


def read_pe(path: str | os.PathLike[str]) -> PEImage | None:
    """The machine and imported DLL names of a PE file (DLL or EXE); None if it is not one."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return None
    try:
        return _parse_pe(data)
    except (struct.error, IndexError, ValueError):
        return None


def _parse_pe(data: bytes) -> PEImage | None:
    if data[:2] != b"MZ":
        return None
    (pe,) = struct.unpack_from("<I", data, 0x3C)
    if data[pe : pe + 4] != b"PE\0\0":
        return None
    machine, section_count = struct.unpack_from("<HH", data, pe + 4)
    (optional_size,) = struct.unpack_from("<H", data, pe + 20)
    optional = pe + 24
    (magic,) = struct.unpack_from("<H", data, optional)
    # Data directories start at 96 (PE32) or 112 (PE32+); the import table is entry 1.
    directories = optional + (112 if magic == 0x20B else 96)
    (directory_count,) = struct.unpack_from("<I", data, directories - 4)
    import_rva = struct.unpack_from("<I", data, directories + 8)[0] if directory_count > 1 else 0
    sections: list[tuple[int, int, int, int]] = [
        struct.unpack_from("<IIII", data, optional + optional_size + 40 * k + 8) for k in range(section_count)
    ]  # (VirtualSize, VirtualAddress, SizeOfRawData, PointerToRawData)

    def offset(rva: int) -> int:
        for virtual_size, address, raw_size, raw_offset in sections:
            if address <= rva < address + max(virtual_size, raw_size):
                return rva - address + raw_offset
        raise ValueError(f"RVA {rva:#x} is in no section")

    imports = []
    if import_rva:
        descriptor = offset(import_rva)
        while True:
            entry = struct.unpack_from("<IIIII", data, descriptor)
            if not any(entry):
                break
            start = offset(entry[3])
            imports.append(data[start : data.index(b"\0", start)].decode("ascii", "replace"))
            descriptor += 20
    return PEImage(machine, tuple(imports))


def _is_api_set(name: str) -> bool:
    """api-ms-win-*.dll and ext-ms-*.dll are virtual: Windows maps them to system DLLs."""
    return name.lower().startswith(("api-ms-", "ext-ms-"))


def system_dirs() -> list[str]:
    """Where Windows finds DLLs besides the SDK's folder: the application's folder and the system's."""
    root = os.environ.get("SystemRoot") or os.environ.get("windir") or r"C:\Windows"
    return [os.path.dirname(sys.executable), os.path.join(root, "System32"), root]


@cache
def _listing(directory: str) -> frozenset[str]:
    try:
        return frozenset(name.lower() for name in os.listdir(directory))
    except OSError:
        return frozenset()


@dataclass(frozen=True)
class Problem:
    dll: str  # the DLL that cannot be used
    needed_by: str  # the DLL whose import table names it
    why: str  # "missing", or "built for 32-bit x86"


def find_problems(path: str, search_dirs: Iterable[str], expected_machine: int | None = None) -> list[Problem]:
    """What stops ``path`` from loading: dependencies found in none of its folder and ``search_dirs``,
    or found in its folder but built for another machine. Follows the dependencies that are in
    the DLL's own folder (they come with the SDK); system DLLs are taken as they are."""
    folder = os.path.dirname(os.path.abspath(path))
    _listing.cache_clear()  # the folders may have changed since the last failure
    problems: list[Problem] = []
    seen = {os.path.basename(path).lower()}
    queue = [os.path.abspath(path)]
    while queue:
        current = queue.pop(0)
        image = read_pe(current)
        if image is None:
            continue
        name = os.path.basename(current)
        if expected_machine is not None and image.machine != expected_machine:
            problems.append(Problem(name, "", f"built for {MACHINES.get(image.machine, hex(image.machine))}"))
            continue
        for dependency in image.imports:
            key = dependency.lower()
            if key in seen or _is_api_set(dependency):
                continue
            seen.add(key)
            if key in _listing(folder):
                queue.append(os.path.join(folder, _actual_name(folder, key)))
            elif not any(key in _listing(directory) for directory in search_dirs) and not _already_loaded(dependency):
                problems.append(Problem(dependency, name, "missing"))
    return problems


def _actual_name(folder: str, lowered: str) -> str:
    return next((name for name in os.listdir(folder) if name.lower() == lowered), lowered)


def _already_loaded(name: str) -> bool:
    if sys.platform != "win32":
        return False
    return bool(_kernel32().GetModuleHandleW(name))


@cache
def _kernel32() -> Any:
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined, unused-ignore]
    kernel32.LoadLibraryExW.restype = ctypes.c_void_p
    kernel32.LoadLibraryExW.argtypes = (wintypes.LPCWSTR, wintypes.HANDLE, wintypes.DWORD)
    kernel32.GetModuleHandleW.restype = ctypes.c_void_p
    kernel32.GetModuleHandleW.argtypes = (wintypes.LPCWSTR,)
    kernel32.GetModuleFileNameW.restype = wintypes.DWORD
    kernel32.GetModuleFileNameW.argtypes = (ctypes.c_void_p, wintypes.LPWSTR, wintypes.DWORD)
    return kernel32


def module_path(handle: int) -> str | None:
    """The file a loaded module came from (a name may resolve to a DLL the process had loaded before)."""
    import ctypes

    buffer = ctypes.create_unicode_buffer(32768)
    length = _kernel32().GetModuleFileNameW(handle, buffer, len(buffer))
    return buffer.value if 0 < length < len(buffer) else None


def load(path: str) -> int:
    """``LoadLibraryExW`` with the flags above; the module handle, or OSError with ``winerror`` set.

    The handle is never freed: the SDK may call back into Python until the process ends.
    """
    import ctypes

    flags = LOAD_LIBRARY_SEARCH_DEFAULT_DIRS
    if os.path.isabs(path):
        flags |= LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR
    handle = _kernel32().LoadLibraryExW(path, None, flags)
    if not handle:
        code = ctypes.get_last_error()  # type: ignore[attr-defined, unused-ignore]  # Windows only
        raise OSError(None, ctypes.FormatError(code).strip(), path, code)  # type: ignore[attr-defined, unused-ignore]
    return int(handle)


def python_machine() -> int | None:
    """The PE machine this Python loads DLLs of (from its build, not from WMI)."""
    return _PYTHON_MACHINE.get(sysconfig.get_platform())


def explain(path: str, winerror: int | None, search_dirs: Iterable[str] | None = None) -> str:
    """Why ``path`` did not load, for a person: what is missing or wrong, and where it was looked for."""
    folder = os.path.dirname(os.path.abspath(path))
    dirs = list(system_dirs() if search_dirs is None else search_dirs)
    problems = find_problems(path, dirs, python_machine())
    missing = [p for p in problems if p.why == "missing"]
    foreign = [p for p in problems if p.why != "missing"]
    bits = 8 * struct.calcsize("P")
    if foreign:
        listed = ", ".join(f"{p.dll} is {p.why}" for p in foreign)
        return (
            f"{listed}, but this Python is {bits}-bit: use the SDK build for this Python's architecture "
            f"(all the DLLs in {folder})"
        )
    if missing:
        listed = ", ".join(f"{p.dll} (needed by {p.needed_by})" for p in missing)
        return (
            f"a DLL it depends on is missing: {listed}. It is neither in the SDK's folder {folder} nor in "
            f"{', '.join(dirs)}: copy the SDK's DLLs together into {folder}"
        )
    if winerror == ERROR_MOD_NOT_FOUND:
        return (
            f"Windows could not find a DLL it depends on (error 126), though its import table names none missing "
            f"from {folder} or {', '.join(dirs)}: check the DLLs those load in turn"
        )
    if winerror == ERROR_PROC_NOT_FOUND:
        return (
            f"a DLL it depends on lacks a function it imports (error 127): the DLLs in {folder} are probably from "
            "different SDK versions, or an older copy of one of them is loaded from elsewhere first"
        )
    return ""
