"""What a licensee installs: the metadata, only run-time files inside the package, and (from a
wheel) the native libraries prebuilt, working with no compiler."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
from pathlib import Path

import pytest
from test_windows import exchange_a_message

import portsip
from portsip import _cbuild, _header
from portsip.testing import stub_library_path


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


@pytest.mark.skipif(not os.environ.get("PORTSIP_EXPECT_PACKAGED_STUB"), reason="portsip not installed from a wheel here")
def test_the_wheel_carries_its_libraries_and_needs_no_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    """CI installs each wheel where no C compiler is reachable and sets PORTSIP_EXPECT_PACKAGED_STUB."""
    monkeypatch.delenv("PORTSIP_STUB_LIBRARY", raising=False)
    monkeypatch.delenv("CC", raising=False)
    assert [shutil.which(name) for name in ("cc", "gcc", "clang", "cl")] == [None] * 4
    package = Path(portsip.__file__).parent
    assert package.resolve() != Path(__file__).resolve().parent.parent / "portsip", f"{package}: the checkout, not the wheel"
    for library in _cbuild.LIBRARIES:  # the event queue and the stub
        assert _cbuild.packaged_library(library) == package / _cbuild.PREBUILT_DIR / _cbuild.library_filename(library)
    assert stub_library_path() == str(_cbuild.packaged_library("portsip_stub"))
    exchange_a_message(stub_library_path())  # events arrive through the packaged event queue


def test_every_subpackage_is_declared_for_the_wheel() -> None:
    """pyproject.toml lists the packages (an editable install would hide one it forgot)."""
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    root = Path(__file__).resolve().parent.parent
    declared = set(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(root).parts) for init in (root / "portsip").rglob("__init__.py") if "__pycache__" not in init.parts
    }
    assert found <= declared, f"not in pyproject.toml's packages: {sorted(found - declared)}"
