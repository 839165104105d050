"""Finding the SDK: explicit path > $PORTSIP_SDK_LIBRARY > platform default names; clear errors."""

from __future__ import annotations

import ctypes.util
from pathlib import Path

import pytest

from portsip import LibraryLoadError, PortSIPLib
from portsip._loader import ENV_VAR, default_names, load_library


def test_explicit_path_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch, portsip_stub_library: str) -> None:
    monkeypatch.setenv(ENV_VAR, "/nonexistent/libportsip_sdk.so")
    assert load_library(portsip_stub_library).path == portsip_stub_library


def test_environment_variable_is_used(monkeypatch: pytest.MonkeyPatch, portsip_stub_library: str) -> None:
    monkeypatch.setenv(ENV_VAR, portsip_stub_library)
    with PortSIPLib() as lib:
        assert lib.library_path == portsip_stub_library


def test_missing_library_names_what_was_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "/nonexistent/libportsip_sdk.so")
    with pytest.raises(LibraryLoadError) as raised:
        load_library()
    message = str(raised.value)
    assert "/nonexistent/libportsip_sdk.so" in message and ENV_VAR in message
    assert isinstance(raised.value, OSError)


def test_default_names_are_tried_when_nothing_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(LibraryLoadError) as raised:
        load_library()
    for name in default_names():
        assert name in str(raised.value)


def test_a_file_that_is_not_a_library(tmp_path: Path) -> None:
    bogus = tmp_path / "libportsip_sdk.so"
    bogus.write_text("not an ELF file")
    with pytest.raises(LibraryLoadError) as raised:
        load_library(bogus)
    assert str(bogus) in str(raised.value)


def test_a_library_without_the_sdk_symbols_lists_them() -> None:
    libc = ctypes.util.find_library("c")
    if libc is None:
        pytest.skip("no C library found to stand in for a wrong library")
    with pytest.raises(LibraryLoadError) as raised:
        load_library(libc)
    assert "PortSIP_sendOutOfDialogMessage" in raised.value.missing
    assert "PSCallback_setRegisterSuccessHandler" in str(raised.value)
