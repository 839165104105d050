"""Building the native libraries (portsip/_cbuild.py) and the stub's cache (portsip/testing/_build.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import portsip
from portsip import _cbuild, _header
from portsip.testing import StubBuildError, _build, stub_library_path

STUB = _cbuild.LIBRARIES["portsip_stub"]
FINGERPRINT = """
import importlib.util, sys
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("cbuild", sys.argv[1])
cbuild = importlib.util.module_from_spec(spec)
sys.modules["cbuild"] = cbuild
spec.loader.exec_module(cbuild)
outside = {name.split(".")[0] for name in set(sys.modules) - before} - set(sys.stdlib_module_names) - {"cbuild"}
assert not outside, f"_cbuild imported {outside}"
print(cbuild.fingerprint(cbuild.LIBRARIES["portsip_stub"], cbuild.Compiler(("cc",), "gcc", "posix")))
"""


def copy_sources(root: Path) -> Path:
    """A checkout-like tree with _cbuild.py and the C sources, elsewhere."""
    (root / "portsip").mkdir(parents=True)
    shutil.copy(_cbuild.__file__, root / "portsip" / "_cbuild.py")
    for role in _cbuild.SOURCE_ROLES:  # a nested role (stubs/wire) comes with its parent's copy
        shutil.copytree(_cbuild.source_dir(role), root / role, dirs_exist_ok=True)
    return root / "portsip" / "_cbuild.py"


def fingerprint_of(cbuild_file: Path) -> str:
    result = subprocess.run([sys.executable, "-c", FINGERPRINT, str(cbuild_file)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_cache_key_follows_content_and_flags_not_paths(tmp_path: Path) -> None:
    # _cbuild loads by file path with the standard library only (as a setup.py hook needs), and
    # two copies of the same sources anywhere share one key: one build for every venv.
    here = _cbuild.fingerprint(STUB, _cbuild.Compiler(("cc",), "gcc", "posix"))
    elsewhere = copy_sources(tmp_path / "a")
    assert fingerprint_of(elsewhere) == here
    changed = copy_sources(tmp_path / "b")
    runtime = changed.parent.parent / "stubs" / "stub_runtime.c"
    runtime.write_text(runtime.read_text() + "\n/* changed */\n")
    assert fingerprint_of(changed) != here
    assert _cbuild.fingerprint(STUB, _cbuild.Compiler(("cc", "-fsanitize=address"), "gcc", "posix")) != here


def test_the_exports_are_the_functions_the_headers_declare(portsip_stub_library: str) -> None:
    # MSVC exports only what its .def file lists: the declared names, read without cffi.
    declared = []
    for header in (_header.ABI_HEADER, _header.STUB_HEADER):
        lib = _header.ffi_for(header).dlopen(portsip_stub_library)
        declared += [name for name in dir(lib) if not isinstance(getattr(lib, name), int)]  # not enum constants
    assert sorted(_cbuild.exported_functions(STUB)) == sorted(declared)


def test_an_msvc_build_gets_a_def_file_and_its_output_moved_into_place(tmp_path: Path) -> None:
    fake_cl = tmp_path / "cl.py"
    fake_cl.write_text(
        "import sys, pathlib\n"
        "args = sys.argv[1:]\n"
        "out = next(a[3:] for a in args if a.startswith('/Fe'))\n"
        "exports = next(a[5:] for a in args if a.startswith('/DEF:'))\n"
        "pathlib.Path(out).write_text(' '.join(args) + '\\n' + pathlib.Path(exports).read_text())\n"
    )
    compiler = _cbuild.Compiler((sys.executable, str(fake_cl)), "msvc", "windows")
    output = _cbuild.build("portsip_stub", tmp_path / "out" / "portsip_stub.dll", compiler=compiler)
    command, _, def_file = output.read_text().partition("\n")
    assert "/LD" in command.split() and "/W3" in command.split()
    assert def_file.split() == ["EXPORTS", *_cbuild.exported_functions(STUB)]
    assert sorted(p.name for p in output.parent.iterdir()) == ["portsip_stub.dll"]  # no temporary left


def host_compiler() -> _cbuild.Compiler:
    """The C compiler, or a skip where none runs (none installed, or CC=false as in CI's wheel run)."""
    try:
        compiler = _cbuild.find_compiler()
        _cbuild.check_compiler(compiler)
    except _cbuild.BuildError as exc:
        pytest.skip(f"no C compiler here: {exc}")
    return compiler


def test_a_failed_build_says_what_failed_and_leaves_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.c"
    bad.write_text("int broken(void) { return }\n")
    compiler = host_compiler()
    with pytest.raises(_cbuild.BuildError) as raised:
        _cbuild.compile_shared(compiler, [bad], tmp_path / "out" / "libbad.so")
    assert "building libbad.so failed" in str(raised.value) and "bad.c" in str(raised.value)
    assert list((tmp_path / "out").iterdir()) == []


def test_a_missing_compiler_gives_advice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(_cbuild, "packaged_library", lambda name: None)
    monkeypatch.delenv(_build.ENV_LIBRARY, raising=False)
    monkeypatch.setenv(_build.ENV_CACHE, str(tmp_path))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    with pytest.raises(StubBuildError) as raised:
        stub_library_path()
    assert "cannot run the C compiler" in str(raised.value) and _build.ENV_LIBRARY in str(raised.value)


def test_the_packaged_stub_comes_before_a_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, portsip_stub_library: str) -> None:
    package = tmp_path / "portsip"
    (package / _cbuild.PREBUILT_DIR).mkdir(parents=True)
    packaged = package / _cbuild.PREBUILT_DIR / _cbuild.library_filename("portsip_stub")
    shutil.copy(portsip_stub_library, packaged)
    monkeypatch.setattr(_cbuild, "_PACKAGE", package)
    monkeypatch.delenv(_build.ENV_LIBRARY, raising=False)
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))  # a build would fail
    assert stub_library_path() == str(packaged)


def test_a_build_is_reused_and_old_builds_are_pruned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    host_compiler()
    monkeypatch.setattr(_cbuild, "packaged_library", lambda name: None)  # as in a checkout: no prebuilt stub
    monkeypatch.delenv(_build.ENV_LIBRARY, raising=False)
    monkeypatch.setenv(_build.ENV_CACHE, str(tmp_path))
    old = []
    for age in range(_build.KEEP_BUILDS + 2):  # older builds of other source versions
        path = tmp_path / _cbuild.library_filename(f"portsip_stub-{age:016x}")
        path.write_bytes(b"")
        os.utime(path, (time.time() - 3600 * (age + 1),) * 2)
        old.append(path)
    leftover = tmp_path / ".build-killed"  # a builder killed an hour ago
    leftover.mkdir()
    os.utime(leftover, (time.time() - 7200,) * 2)

    built = Path(stub_library_path())
    assert built.parent == tmp_path and built.stat().st_size > 0
    kept = sorted(p.name for p in _build._builds(tmp_path))
    assert kept == sorted([built.name] + [p.name for p in old[: _build.KEEP_BUILDS - 1]])
    assert not leftover.exists()

    os.utime(built, (time.time() - 60,) * 2)
    assert stub_library_path() == str(built)  # reused, not rebuilt, and marked as used
    assert time.time() - built.stat().st_mtime < 30


def test_the_stub_sources_travel_with_the_installed_package() -> None:
    for role in _cbuild.SOURCE_ROLES:  # stubs/wire sits one level deeper than the others
        top = _cbuild.source_dir(role).parents[role.count("/")]
        assert top in (Path(portsip.__file__).parent, Path(portsip.__file__).parent.parent)
    assert (_cbuild.source_dir("native") / "ps_threads.h").is_file()


@pytest.mark.parametrize("command", [("false",), ("no-such-compiler-here",)], ids=["does not run", "not installed"])
def test_a_compiler_that_does_not_run_is_refused_in_one_line(command: tuple[str, ...]) -> None:
    # setup.py calls this before building: without a working compiler, one line says what to install
    if shutil.which("false") is None:
        pytest.skip("no 'false' program here")
    with pytest.raises(_cbuild.BuildError) as raised:
        _cbuild.check_compiler(_cbuild.Compiler(command, "gcc", _cbuild.host_target()))
    message = str(raised.value)
    assert "\n" not in message and "apt-get install gcc" in message and "Xcode command line tools" in message
