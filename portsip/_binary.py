"""What a library file is built for, read from its ELF, PE or Mach-O header, and whether this Python can load it.

The loader (:mod:`portsip._loader`) and ``portsip doctor`` use it to turn "wrong ELF class" or
Windows error 193 into words: "a 32-bit DLL in a 64-bit Python", "an aarch64 library in an
x86_64 Python", "a Windows DLL: this is Linux". Pure Python on a few header bytes, so every case
is tested on any system.
"""

from __future__ import annotations

import os
import platform
import struct
import sys
from dataclasses import dataclass

#: The formats by the system that loads them.
ELF, PE, MACHO = "ELF", "PE", "Mach-O"
_SYSTEM_OF = {ELF: "Linux", PE: "Windows", MACHO: "macOS"}
_KIND_OF = {ELF: "library", PE: "DLL", MACHO: "library"}

#: (format, machine code) -> architecture name, for the machines a library is plausibly built for.
#: The ELF and Mach-O bitness comes from the header's class; for PE it follows from the machine.
_ARCHES = {
    (ELF, 3): "x86", (ELF, 62): "x86_64", (ELF, 40): "arm", (ELF, 183): "aarch64", (ELF, 243): "riscv",
    (ELF, 8): "mips", (ELF, 20): "ppc", (ELF, 21): "ppc64", (ELF, 22): "s390", (ELF, 2): "sparc", (ELF, 43): "sparc64",
    (ELF, 258): "loongarch",
    (PE, 0x014C): "x86", (PE, 0x8664): "x86_64", (PE, 0x01C0): "arm", (PE, 0x01C4): "arm", (PE, 0xAA64): "aarch64",
    (MACHO, 7): "x86", (MACHO, 0x01000007): "x86_64", (MACHO, 12): "arm", (MACHO, 0x0100000C): "aarch64",
    (MACHO, 18): "ppc", (MACHO, 0x01000012): "ppc64",
}  # fmt: skip
_PE_BITS = {0x014C: 32, 0x01C0: 32, 0x01C4: 32, 0x8664: 64, 0xAA64: 64}
#: platform.machine() spellings -> the names above.
_MACHINE_ALIASES = {
    "amd64": "x86_64", "x64": "x86_64", "i386": "x86", "i486": "x86", "i586": "x86", "i686": "x86",
    "arm64": "aarch64", "armv7l": "arm", "armv6l": "arm", "armv8l": "arm",
}  # fmt: skip
#: A 64-bit architecture and its 32-bit sibling (a 32-bit Python on a 64-bit system).
_SIBLINGS = {"x86_64": "x86", "aarch64": "arm", "ppc64": "ppc", "sparc64": "sparc"}
_HEADER_BYTES = 4096


@dataclass(frozen=True)
class Arch:
    name: str  # "x86_64", "x86", "aarch64", ... or "machine 0x1234" when unknown
    bits: int  # 32 or 64

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Binary:
    """A library file's format and the architectures it holds (several only in a universal Mach-O)."""

    format: str  # ELF, PE or MACHO
    arches: tuple[Arch, ...]

    @property
    def system(self) -> str:
        return _SYSTEM_OF[self.format]

    @property
    def kind(self) -> str:
        """What the system calls such a file: "DLL" on Windows, else "library"."""
        return _KIND_OF[self.format]

    def __str__(self) -> str:
        return f"{self.format} " + " + ".join(f"{arch} {arch.bits}-bit" for arch in self.arches)


def read(path: str | os.PathLike[str]) -> Binary | None:
    """The format and architectures of ``path``; None if it cannot be read or is none of the three formats."""
    try:
        with open(path, "rb") as file:
            head = file.read(_HEADER_BYTES)
            if head[:2] == b"MZ" and len(head) >= 0x40:  # the PE header may start beyond the first block
                (pe,) = struct.unpack_from("<I", head, 0x3C)
                if pe + 6 > len(head):
                    file.seek(pe)
                    head = head[:0x40].ljust(pe, b"\0") + file.read(6)
    except OSError:
        return None
    try:
        return _parse(head)
    except struct.error:  # a header cut short
        return None


def _arch(format_: str, machine: int, bits: int) -> Arch:
    name = _ARCHES.get((format_, machine), f"machine {machine:#x}")
    if name == "riscv":
        name += str(bits)
    elif name == "s390" and bits == 64:
        name = "s390x"
    return Arch(name, bits)


def _parse(head: bytes) -> Binary | None:
    if head[:4] == b"\x7fELF":
        bits = {1: 32, 2: 64}.get(head[4])
        order = {1: "<", 2: ">"}.get(head[5])
        if bits is None or order is None:
            return None
        (machine,) = struct.unpack_from(order + "H", head, 18)
        return Binary(ELF, (_arch(ELF, machine, bits),))
    if head[:2] == b"MZ":
        (pe,) = struct.unpack_from("<I", head, 0x3C)
        if head[pe : pe + 4] != b"PE\0\0":
            return None
        (machine,) = struct.unpack_from("<H", head, pe + 4)
        return Binary(PE, (_arch(PE, machine, _PE_BITS.get(machine, 64)),))
    magic = head[:4]
    if magic in (b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf"):
        order = "<" if magic[0] in (0xCE, 0xCF) else ">"
        bits = 64 if 0xCF in (magic[0], magic[3]) else 32
        (cpu,) = struct.unpack_from(order + "I", head, 4)
        return Binary(MACHO, (_arch(MACHO, cpu, bits),))
    if magic in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):  # universal: several Mach-O images
        (count,) = struct.unpack_from(">I", head, 4)
        if not 0 < count < 30:  # a Java class file starts with the same magic, then its version (>= 45)
            return None
        size = 20 if magic[3] == 0xBE else 32
        cpus = [struct.unpack_from(">I", head, 8 + size * k)[0] for k in range(count)]
        return Binary(MACHO, tuple(_arch(MACHO, cpu, 64 if cpu & 0x01000000 else 32) for cpu in cpus))
    return None


def host_format() -> str:
    """The library format this system loads."""
    if sys.platform == "win32":
        return PE
    return MACHO if sys.platform == "darwin" else ELF


def python_arch() -> Arch:
    """The architecture this Python runs as (a 32-bit Python on a 64-bit system is 32-bit)."""
    bits = struct.calcsize("P") * 8
    machine = platform.machine().lower()
    name = _MACHINE_ALIASES.get(machine, machine) or "unknown"
    if bits == 32:
        name = _SIBLINGS.get(name, name)
    return Arch(name, bits)


def this_python() -> str:
    """What this Python loads, e.g. "Linux x86_64 (64-bit)"."""
    arch = python_arch()
    return f"{_SYSTEM_OF[host_format()]} {arch} ({arch.bits}-bit)"


def _a(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiox8" else "a ") + word


def mismatch(binary: Binary, python: Arch | None = None, system_format: str | None = None) -> str | None:
    """Why this Python cannot load ``binary``, in words, or None when format and architecture fit.

    E.g. "a 32-bit DLL in a 64-bit Python", "an aarch64 library in an x86_64 Python", "a Windows DLL: this is Linux".
    """
    python = python or python_arch()
    system_format = system_format or host_format()
    if binary.format != system_format:
        return f"{_a(binary.system)} {binary.kind}: this is {_SYSTEM_OF[system_format]}"
    if any(arch.name == python.name for arch in binary.arches):
        return None
    if len(binary.arches) == 1:
        arch = binary.arches[0]
        if _SIBLINGS.get(arch.name) == python.name or _SIBLINGS.get(python.name) == arch.name:
            return f"a {arch.bits}-bit {binary.kind} in a {python.bits}-bit Python"
        return f"{_a(arch.name)} {binary.kind} in {_a(python.name)} Python"
    built_for = ", ".join(arch.name for arch in binary.arches)
    return f"{_a(binary.kind)} for {built_for}, not for this {python.name} Python"


def why_unloadable(path: str | os.PathLike[str]) -> str | None:
    """:func:`mismatch` for the file at ``path`` and what to use instead, or "not a shared library ..."
    for a file of no known format. None when the file cannot be read or fits this Python (then the
    system's own error says more).
    """
    if not os.path.isfile(path):
        return None
    binary = read(path)
    if binary is None:
        try:
            size = os.path.getsize(path)
        except OSError:
            return None
        return "not a shared library: neither ELF, PE nor Mach-O" if size else "an empty file, not a shared library"
    why = mismatch(binary)
    return f"{why}; use one built for {this_python()}" if why else None
