"""What a licensee installs: the metadata, and only run-time files inside the package."""

from __future__ import annotations

import importlib.metadata

import pytest

import portsip
from portsip import _header

pytestmark = pytest.mark.backend_agnostic


def test_version_has_one_source() -> None:
    assert importlib.metadata.version("portsip") == portsip.__version__


def test_license_is_declared_and_shipped() -> None:
    metadata = importlib.metadata.metadata("portsip")
    assert metadata["License-Expression"] == "MIT"
    shipped = {file.name for file in importlib.metadata.files("portsip") or ()}
    assert "LICENSE" in shipped


def test_the_header_directories_hold_c_files_only() -> None:
    """No development tool (generator, parser) travels with the headers and the stub's sources."""
    for directory in (_header.native_dir(), _header.stubs_dir()):  # the stub's wire layer is in stubs/wire
        names = {p.name for p in directory.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
        assert names and all(name.endswith((".h", ".c")) for name in names), directory
    assert (_header.native_dir() / _header.ABI_HEADER).is_file()
