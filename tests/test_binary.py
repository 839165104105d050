"""Reading what a library is built for from its ELF, PE or Mach-O header, and saying why it cannot load here.

The headers are written by hand with struct (so every case runs on any system), and built for real
by mingw-w64 (a 32-bit and a 64-bit DLL) and the host's compiler when they are installed
(apt-get install gcc-mingw-w64-i686 gcc-mingw-w64-x86-64).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from portsip import _binary, _cbuild
from portsip._binary import ELF, MACHO, PE, Arch, Binary

X86_64 = Arch("x86_64", 64)
X86 = Arch("x86", 32)
AARCH64 = Arch("aarch64", 64)


def elf(bits: int, machine: int, *, big_endian: bool = False) -> bytes:
    order = ">" if big_endian else "<"
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 2 if big_endian else 1, 1]) + bytes(9)
    return ident + struct.pack(order + "HH", 3, machine) + bytes(44)  # e_type ET_DYN, e_machine


def pe(machine: int, *, header_at: int = 0x80) -> bytes:
    dos = bytearray(header_at)
    dos[:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, header_at)
    return bytes(dos) + b"PE\0\0" + struct.pack("<HH", machine, 0) + bytes(256)


def macho(cpu: int, bits: int) -> bytes:
    return struct.pack("<II", 0xFEEDFACF if bits == 64 else 0xFEEDFACE, cpu) + bytes(24)


def universal(*cpus: int) -> bytes:
    return struct.pack(">II", 0xCAFEBABE, len(cpus)) + b"".join(struct.pack(">IIIII", cpu, 0, 0, 0, 0) for cpu in cpus)


@pytest.mark.parametrize(
    "header, expected",
    [
        (elf(64, 62), Binary(ELF, (X86_64,))),
        (elf(32, 3), Binary(ELF, (X86,))),
        (elf(64, 183), Binary(ELF, (AARCH64,))),
        (elf(64, 243), Binary(ELF, (Arch("riscv64", 64),))),
        (elf(64, 22, big_endian=True), Binary(ELF, (Arch("s390x", 64),))),
        (elf(64, 0x4242), Binary(ELF, (Arch("machine 0x4242", 64),))),
        (pe(0x014C), Binary(PE, (X86,))),
        (pe(0x8664), Binary(PE, (X86_64,))),
        (pe(0xAA64, header_at=8192), Binary(PE, (AARCH64,))),  # a PE header beyond the first block read
        (macho(0x01000007, 64), Binary(MACHO, (X86_64,))),
        (macho(0x0100000C, 64), Binary(MACHO, (AARCH64,))),
        (universal(0x01000007, 0x0100000C), Binary(MACHO, (X86_64, AARCH64))),
    ],
    ids=lambda value: str(value) if isinstance(value, Binary) else "header",  # short: Windows caps a test id's length
)
def test_the_header_says_format_and_architecture(tmp_path: Path, header: bytes, expected: Binary) -> None:
    path = tmp_path / "library"
    path.write_bytes(header)
    assert _binary.read(path) == expected


@pytest.mark.parametrize(
    "content",
    [b"", b"\x7fEL", b"not a library at all", b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(32), b"MZ" + bytes(0x3A) + b"\xff\xff\xff\x7f",
     b"\x7fELF\x03\x01" + bytes(40)],
    ids=["empty", "cut short", "text", "a Java class file", "a PE offset far beyond the file", "an ELF class that does not exist"],
)  # fmt: skip
def test_anything_else_is_no_library(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "library"
    path.write_bytes(content)
    assert _binary.read(path) is None
    assert _binary.why_unloadable(path) in ("not a shared library: neither ELF, PE nor Mach-O", "an empty file, not a shared library")


def test_a_file_that_is_not_there() -> None:
    assert _binary.read("/no/such/file") is None and _binary.why_unloadable("/no/such/file") is None


@pytest.mark.parametrize(
    "binary, python, system, words",
    [
        (Binary(PE, (X86,)), X86_64, PE, "a 32-bit DLL in a 64-bit Python"),
        (Binary(PE, (X86_64,)), X86, PE, "a 64-bit DLL in a 32-bit Python"),
        (Binary(PE, (AARCH64,)), X86_64, PE, "an aarch64 DLL in an x86_64 Python"),
        (Binary(ELF, (AARCH64,)), X86_64, ELF, "an aarch64 library in an x86_64 Python"),
        (Binary(ELF, (X86,)), X86_64, ELF, "a 32-bit library in a 64-bit Python"),
        (Binary(ELF, (Arch("arm", 32),)), AARCH64, ELF, "a 32-bit library in a 64-bit Python"),
        (Binary(PE, (X86_64,)), X86_64, ELF, "a Windows DLL: this is Linux"),
        (Binary(ELF, (X86_64,)), X86_64, PE, "a Linux library: this is Windows"),
        (Binary(MACHO, (AARCH64,)), AARCH64, ELF, "a macOS library: this is Linux"),
        (Binary(MACHO, (X86_64, AARCH64)), X86, MACHO, "a library for x86_64, aarch64, not for this x86 Python"),
        (Binary(MACHO, (X86_64, AARCH64)), AARCH64, MACHO, None),
        (Binary(ELF, (X86_64,)), X86_64, ELF, None),
        (Binary(PE, (X86,)), X86, PE, None),
    ],
)
def test_why_it_cannot_load_in_words(binary: Binary, python: Arch, system: str, words: str | None) -> None:
    assert _binary.mismatch(binary, python, system) == words


def test_this_python_loads_its_own_kind() -> None:
    python = _binary.python_arch()
    assert python.bits == 64 if sys.maxsize > 2**32 else python.bits == 32
    assert _binary.mismatch(Binary(_binary.host_format(), (python,))) is None
    assert _binary.this_python().endswith(f"{python} ({python.bits}-bit)")


def _other_arch_header() -> bytes:
    """An ELF/PE/Mach-O header of this system's format for an architecture this Python is not."""
    other = 62 if _binary.python_arch().name == "aarch64" else 183  # x86_64 or aarch64 (ELF codes)
    if _binary.host_format() == PE:
        return pe(0x8664 if other == 62 else 0xAA64)
    if _binary.host_format() == MACHO:
        return macho(0x01000007 if other == 62 else 0x0100000C, 64)
    return elf(64, other)


def test_the_loader_says_it_in_words(tmp_path: Path) -> None:
    from portsip import LibraryLoadError, PortSIPLib

    other = tmp_path / "other_arch_sdk"
    other.write_bytes(_other_arch_header())
    with pytest.raises(LibraryLoadError) as raised:
        PortSIPLib(other)
    assert " in an " in str(raised.value) and f"use one built for {_binary.this_python()}" in str(raised.value)
    foreign = tmp_path / "foreign_sdk"
    foreign.write_bytes(elf(64, 62) if _binary.host_format() != ELF else pe(0x8664))
    with pytest.raises(LibraryLoadError, match=r"a (Linux library|Windows DLL): this is (Windows|Linux|macOS)"):
        PortSIPLib(foreign)


# ---- real files: built by the host's compiler and by mingw-w64 -------------------------------------------

MINGW = {"i686-w64-mingw32-gcc": X86, "x86_64-w64-mingw32-gcc": X86_64}
SOURCE = Path(__file__).parent / "native" / "media_dependency.c"  # any small C file will do


@pytest.mark.parametrize("compiler, arch", MINGW.items(), ids=list(MINGW))
def test_dlls_built_by_mingw(tmp_path: Path, compiler: str, arch: Arch) -> None:
    if shutil.which(compiler) is None:
        pytest.skip(f"{compiler} is not installed (apt-get install gcc-mingw-w64-i686 gcc-mingw-w64-x86-64)")
    dll = _cbuild.compile_shared(_cbuild.Compiler((compiler,), "gcc", "windows"), [SOURCE], tmp_path / "tiny.dll")
    assert _binary.read(dll) == Binary(PE, (arch,))
    if sys.platform != "win32":
        here = _binary.this_python()
        assert _binary.why_unloadable(dll) == f"a Windows DLL: this is {here.split()[0]}; use one built for {here}"


def test_a_library_built_here(tmp_path: Path) -> None:
    try:
        compiler = _cbuild.find_compiler()
        _cbuild.check_compiler(compiler)  # CC=false (CI's wheel run) is found, and does not run
    except _cbuild.BuildError as exc:
        pytest.skip(f"no C compiler here: {exc}")
    if compiler.style != "gcc":
        pytest.skip("the test links with gcc-style flags")
    library = _cbuild.compile_shared(compiler, [SOURCE], tmp_path / _cbuild.library_filename("tiny"))
    assert _binary.read(library) == Binary(_binary.host_format(), (_binary.python_arch(),))
    assert _binary.why_unloadable(library) is None


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's dlopen error names the missing dependency")
def test_a_missing_dependency_is_named(tmp_path: Path) -> None:
    from portsip import LibraryLoadError, PortSIPLib

    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    (tmp_path / "dep.c").write_text("int portsip_test_dep(void); int portsip_test_dep(void) { return 1; }\n")
    (tmp_path / "sdk.c").write_text(
        "int portsip_test_dep(void); int portsip_test_sdk(void); int portsip_test_sdk(void) { return portsip_test_dep(); }\n"
    )
    run = {"cwd": tmp_path, "check": True, "capture_output": True}
    subprocess.run([cc, "-shared", "-fPIC", "-Wl,-soname,libportsip_test_dep.so", "-o", "libportsip_test_dep.so", "dep.c"], **run)  # type: ignore[call-overload]
    subprocess.run([cc, "-shared", "-fPIC", "-o", "libsdk.so", "sdk.c", "-L.", "-lportsip_test_dep"], **run)  # type: ignore[call-overload]
    (tmp_path / "libportsip_test_dep.so").unlink()
    with pytest.raises(LibraryLoadError) as raised:
        PortSIPLib(tmp_path / "libsdk.so")
    assert "a library it depends on is missing: libportsip_test_dep.so (No such file or directory)" in str(raised.value)
    assert "Additionally" not in str(raised.value)
