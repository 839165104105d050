"""portsip doctor: which SDK library would load and why, what stops it, one line each; exit 0 only for the whole ABI."""

from __future__ import annotations

import ctypes.util
import json
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from support import PACKAGE_PARENT, console_script
from test_loader import sdk_of_another_version

from portsip import _binary, _doctor, _loader, cli

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
#: The vendor's export list (tests/data): the doctor derives its list from the header, this checks it.
EXPORTS = (DATA / "portsip-sdk-v17.1-exports.txt").read_text().split()


@pytest.fixture
def env(portsip_stub_library: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != _loader.ENV_VAR}
    env["PORTSIP_STUB_LIBRARY"] = portsip_stub_library
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script("portsip"), "doctor", *args], env=env, capture_output=True, encoding="utf-8", timeout=120, cwd=str(PACKAGE_PARENT)
    )


def doctor_json(env: dict[str, str], *args: str) -> tuple[int, dict[str, object]]:
    result = doctor(env, "--json", *args)
    assert result.stderr == "", result.stderr
    return result.returncode, json.loads(result.stdout)


def test_on_the_stub_the_whole_abi_loads(env: dict[str, str], portsip_stub_library: str) -> None:
    result = doctor(env, "--library", portsip_stub_library)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"library      {portsip_stub_library} (given with --library)"
    assert f"ABI          {len(EXPORTS)}/{len(EXPORTS)} functions of the PortSIP SDK v17.1 ABI" in lines
    assert "SDK version  17.1" in lines
    assert any("this is portsip's stub library" in line for line in lines)  # never taken for the SDK
    assert lines[-1] == "result       OK: the SDK loads with the whole v17.1 ABI"
    for label in ("events", "stub", "python", "cffi", "platform", "portsip"):
        assert any(line.startswith(f"{label} ") for line in lines), label


def test_json_is_one_object(env: dict[str, str], portsip_stub_library: str) -> None:
    code, report = doctor_json(env, "--stub")
    assert code == 0 and report["ok"] is True and report["problem"] is None
    assert report["loaded"] == portsip_stub_library and report["is_stub"] is True and report["origin"] == "argument"
    assert (report["functions_declared"], report["functions_missing"]) == (len(EXPORTS), [])
    assert report["sdk_version"] == "17.1" and report["cffi"] == __import__("cffi").__version__
    assert str(report["python"]).startswith(f"CPython {'.'.join(map(str, sys.version_info[:3]))}")


def test_the_abi_is_derived_from_the_header(portsip_stub_library: str) -> None:
    """The doctor's list is the cdef's (native/portsip_abi.h through the package), and that is the vendor's export list."""
    [attempt] = _loader.attempts(_loader.resolve(portsip_stub_library))
    assert attempt.declared == len(EXPORTS) == 182
    declared = sorted(name for name in dir(attempt.lib) if not isinstance(getattr(attempt.lib, name), int))
    assert declared == sorted(EXPORTS)


def test_a_library_that_is_not_the_sdk_names_the_missing_count(env: dict[str, str]) -> None:
    libc = ctypes.util.find_library("c") if sys.platform != "win32" else "kernel32.dll"
    if libc is None:
        pytest.skip("no C library to stand in for a wrong library")
    result = doctor(env, "--library", libc)
    assert result.returncode == cli.EXIT_NO_LIBRARY, result.stdout + result.stderr
    assert f"ABI          0/{len(EXPORTS)} functions of the PortSIP SDK v17.1 ABI; {len(EXPORTS)} missing: PSCallback_" in result.stdout
    assert "--json lists all" in result.stdout
    assert f"PROBLEM: {libc}" in result.stdout or ("PROBLEM: " in result.stdout and f"{len(EXPORTS)} missing" in result.stdout)
    code, report = doctor_json(env, "--library", libc)
    assert code == cli.EXIT_NO_LIBRARY and sorted(report["functions_missing"]) == sorted(EXPORTS)  # type: ignore[arg-type]


def test_a_library_of_another_version_names_what_it_lacks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, portsip_stub_library: str
) -> None:
    _, copy = sdk_of_another_version(monkeypatch, tmp_path, portsip_stub_library)
    report = _doctor.diagnose(str(copy))
    assert report.functions_missing == ["PortSIP_notInThisVersion"] and not report.ok
    assert "it exports 182 of the 183 functions of its ABI, 1 missing: another version?" in str(report.problem)
    assert "1 missing: PortSIP_notInThisVersion" in report.text()


def test_nothing_configured_says_where_it_looked(env: dict[str, str], tmp_path: Path) -> None:
    env["LD_LIBRARY_PATH"] = str(tmp_path)
    result = doctor(env)
    assert result.returncode == cli.EXIT_NO_LIBRARY
    name = _loader.default_names()[0]
    assert result.stdout.startswith(f"library      {name}") and "(no --library, $PORTSIP_SDK_LIBRARY unset" in result.stdout
    if sys.platform == "linux":
        assert f"  tried      {name}: not found in the loader's search path ({tmp_path}, " in result.stdout


def test_the_variable_is_named_and_an_empty_one_is_a_problem(env: dict[str, str], portsip_stub_library: str) -> None:
    env[_loader.ENV_VAR] = portsip_stub_library
    result = doctor(env)
    assert result.returncode == 0 and f"{portsip_stub_library} (from $PORTSIP_SDK_LIBRARY)" in result.stdout
    env[_loader.ENV_VAR] = ""
    code, report = doctor_json(env)
    assert code == cli.EXIT_NO_LIBRARY and "$PORTSIP_SDK_LIBRARY is set but empty" in str(report["problem"])


def _pe(machine: int) -> bytes:
    dos = bytearray(0x40)
    dos[:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x40)
    return bytes(dos) + b"PE\0\0" + struct.pack("<HH", machine, 0x2000) + bytes(256)


@pytest.mark.skipif(sys.platform == "win32", reason="on Windows a PE file is the right format (see test_windows.py)")
@pytest.mark.parametrize("machine, bits", [(0x014C, 32), (0x8664, 64)])
def test_a_windows_dll_is_described_on_linux(env: dict[str, str], tmp_path: Path, machine: int, bits: int) -> None:
    dll = tmp_path / "portsip_sdk.dll"
    dll.write_bytes(_pe(machine))
    code, report = doctor_json(env, "--library", str(dll))
    system = _binary.this_python().split()[0]
    assert code == cli.EXIT_NO_LIBRARY
    assert [a["reason"] for a in report["attempts"]] == [  # type: ignore[attr-defined]
        f"a Windows DLL: this is {system}; use one built for {_binary.this_python()}"
    ]


def test_not_a_library_at_all(env: dict[str, str], tmp_path: Path) -> None:
    text = tmp_path / "libportsip_sdk.so"
    text.write_text("INPUT(-lportsip)\n")  # e.g. a linker script
    result = doctor(env, "--library", str(text))
    assert result.returncode == cli.EXIT_NO_LIBRARY
    assert f"  tried      {text}: not a shared library: neither ELF, PE nor Mach-O" in result.stdout


def test_doctor_options(env: dict[str, str], portsip_stub_library: str) -> None:
    both = doctor(env, "--stub", "--library", portsip_stub_library)
    assert both.returncode == cli.EXIT_USAGE and "--stub and --library exclude each other" in both.stderr
    assert doctor(env, "--help").stdout.startswith("usage: portsip doctor")


def test_the_readme_and_the_reference_count_the_functions_alike() -> None:
    """The README counted 140 functions, docs/reference.md 141: both now say 140 PortSIP_* functions, as the header does."""
    declared = [name for name in EXPORTS if name.startswith("PortSIP_")]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert re.findall(r"SDK's (\d+) `PortSIP_\*` functions", readme) == [str(len(declared))]
    assert re.findall(r"the SDK's (\d+) `PortSIP_\*` functions", reference) == [str(len(declared))]
