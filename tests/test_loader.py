"""Finding the SDK: explicit path > $PORTSIP_SDK_LIBRARY > platform default names; clear errors."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import sys
from pathlib import Path

import pytest
from cffi import FFI

from portsip import LibraryLoadError, PortSIPLib, _header, _loader
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


def test_the_required_functions_are_the_ones_cffi_declares(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, portsip_stub_library: str
) -> None:
    # A cdef with one function more than the stub exports: an SDK of another version.
    ffi = FFI()
    ffi.cdef(_header.cdef_source(_header.read_header(_header.ABI_HEADER)) + "\nint PortSIP_notInThisVersion(void* sdk);")
    monkeypatch.setattr(_loader, "get_ffi", lambda: ffi)
    copy = tmp_path / Path(portsip_stub_library).name  # a path not in the loader's cache
    shutil.copy(portsip_stub_library, copy)
    with pytest.raises(LibraryLoadError) as raised:
        load_library(copy)
    assert raised.value.missing == ["PortSIP_notInThisVersion"]
    assert f"lacks 1 of the {len(dir(ffi.dlopen(str(copy))))} functions" in str(raised.value)
    assert "another version of the SDK" in str(raised.value)
