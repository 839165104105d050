"""Finding the SDK: explicit path > $PORTSIP_SDK_LIBRARY > platform default names; clear errors."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import struct
import sys
from pathlib import Path

import pytest
from cffi import FFI

from portsip import LibraryLoadError, PortSIPLib, _binary, _header, _loader
from portsip._loader import ENV_VAR, SHOWN_MISSING, default_names, load_library


def test_explicit_path_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch, portsip_stub_library: str) -> None:
    monkeypatch.setenv(ENV_VAR, "/nonexistent/libportsip_sdk.so")
    assert os.path.samefile(load_library(portsip_stub_library).path, portsip_stub_library)


def test_environment_variable_is_used(monkeypatch: pytest.MonkeyPatch, portsip_stub_library: str) -> None:
    monkeypatch.setenv(ENV_VAR, portsip_stub_library)
    with PortSIPLib() as lib:
        assert os.path.samefile(lib.library_path, portsip_stub_library)


def test_a_bad_environment_variable_is_named_with_useful_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "/nonexistent/libportsip_sdk.so")
    with pytest.raises(LibraryLoadError) as raised:
        load_library()
    message = str(raised.value)
    assert "/nonexistent/libportsip_sdk.so" in message and "no such file" in message
    assert f"Fix or unset ${ENV_VAR}: it must be the full path" in message and f"set ${ENV_VAR} to" not in message
    assert isinstance(raised.value, OSError)


def test_default_names_are_tried_when_nothing_is_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, portsip_stub_library: str
) -> None:
    # A library with the default name in the current directory is not picked up (DLL planting),
    # and neither PATH (Windows) nor the loader's path holds one here.
    shutil.copy(portsip_stub_library, tmp_path / default_names()[0])
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_VAR, raising=False)
    if sys.platform == "win32":
        monkeypatch.setenv("PATH", os.environ.get("SystemRoot", r"C:\Windows"))
    with pytest.raises(LibraryLoadError) as raised:
        load_library()
    for name in default_names():
        assert name in str(raised.value)
    assert "stub_library_path()" in str(raised.value)


def test_a_file_that_is_not_a_library(tmp_path: Path) -> None:
    bogus = tmp_path / default_names()[0]
    bogus.write_text("not a shared library")
    with pytest.raises(LibraryLoadError) as raised:
        load_library(bogus)
    assert str(bogus) in str(raised.value)


def _a_library_that_is_not_the_sdk() -> str:
    if sys.platform == "win32":
        return os.path.join(os.environ.get("SystemRoot", r"C:\Windows"), "System32", "kernel32.dll")
    libc = ctypes.util.find_library("c")
    if libc is None:
        pytest.skip("no C library found to stand in for a wrong library")
    return libc


def test_a_library_without_the_sdk_functions_names_a_few_and_counts_them() -> None:
    other = _a_library_that_is_not_the_sdk()
    with pytest.raises(LibraryLoadError) as raised:
        load_library(other)
    declared = dir(_loader.get_ffi().dlopen(other))  # every function the cdef declares
    missing, message = raised.value.missing, str(raised.value)
    assert sorted(missing) == sorted(declared) and "PortSIP_sendOutOfDialogMessage" in missing
    assert f"exports none of the {len(declared)} functions" in message and "Is it the SDK at all?" in message
    assert sum(name in message for name in missing) == SHOWN_MISSING
    assert len(message) < 600, message


def sdk_of_another_version(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stub: str) -> tuple[FFI, Path]:
    """A cdef with one function more than the stub exports (PortSIP_notInThisVersion), and a copy of
    the stub the loader has not opened yet: as an SDK of another version looks."""
    ffi = FFI()
    ffi.cdef(_header.cdef_source(_header.read_header(_header.ABI_HEADER)) + "\nint PortSIP_notInThisVersion(void* sdk);")
    monkeypatch.setattr(_loader, "get_ffi", lambda: ffi)
    copy = tmp_path / Path(stub).name  # a path not in the loader's cache
    shutil.copy(stub, copy)
    return ffi, copy


def test_the_required_functions_are_the_ones_cffi_declares(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, portsip_stub_library: str
) -> None:
    ffi, copy = sdk_of_another_version(monkeypatch, tmp_path, portsip_stub_library)
    with pytest.raises(LibraryLoadError) as raised:
        load_library(copy)
    assert raised.value.missing == ["PortSIP_notInThisVersion"]
    assert f"lacks 1 of the {len(dir(ffi.dlopen(str(copy))))} functions" in str(raised.value)
    assert "another version of the SDK" in str(raised.value)


# ---- one clear sentence per failure (issue 12) -----------------------------------------------------------


def test_an_empty_path_is_one_clear_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(LibraryLoadError) as raised:
        PortSIPLib("")
    assert str(raised.value) == f"the library path is empty: give the path of the SDK library file ({default_names()[0]})"
    assert raised.value.tried == []


def test_an_empty_variable_is_an_error_not_a_reason_to_look_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "")  # an unset CI variable expands to that
    with pytest.raises(LibraryLoadError, match=r"^\$PORTSIP_SDK_LIBRARY is set but empty: set it to the path"):
        PortSIPLib()


def test_the_resolution_says_where_the_candidates_come_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "/opt/sdk/libportsip_sdk.so")
    assert _loader.resolve("/x/lib.so") == _loader.Resolution("argument", ("/x/lib.so",))
    assert _loader.resolve() == _loader.Resolution("environment", ("/opt/sdk/libportsip_sdk.so",))
    monkeypatch.delenv(ENV_VAR)
    default = _loader.resolve()
    assert default.origin == "default" and default.candidates[0] == default_names()[0]
    assert default.source == "the platform's default names"


@pytest.mark.skipif(sys.platform == "win32", reason="Windows' own errors are tested in test_windows.py")
def test_no_cffi_noise_in_load_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    garbage = tmp_path / "garbage.so"
    garbage.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x03\x00" + struct.pack("<H", _host_elf_machine()) + bytes(4))
    for library in ("libportsip_sdk.so", "libportsip_nothing_like_it.so.1", str(garbage)):
        with pytest.raises(LibraryLoadError) as raised:
            load_library(library)
        assert "Additionally" not in str(raised.value) and "ctypes.util" not in str(raised.value), str(raised.value)
        assert f"cannot load library '{library}'" not in str(raised.value)


def _host_elf_machine() -> int:
    return {"x86_64": 62, "x86": 3, "aarch64": 183, "arm": 40}.get(_binary.python_arch().name, 62)


@pytest.mark.skipif(sys.platform != "linux", reason="the loader's search path of glibc")
def test_not_found_names_the_folders_searched_and_a_copy_it_cannot_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", str(tmp_path))
    with pytest.raises(LibraryLoadError) as raised:
        load_library()
    assert f"libportsip_sdk.so: not found in the loader's search path ({tmp_path}, " in str(raised.value)
    # A copy the loader skips (built for another architecture) is what the user is looking for: name it.
    other = 183 if _binary.python_arch().name != "aarch64" else 62
    (tmp_path / "libportsip_sdk.so").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x03\x00" + struct.pack("<H", other) + bytes(44))
    with pytest.raises(LibraryLoadError) as raised:
        load_library()
    assert f"found {tmp_path / 'libportsip_sdk.so'}, but it is an " in str(raised.value)
    assert f"library in an {_binary.python_arch()} Python" in str(raised.value)
