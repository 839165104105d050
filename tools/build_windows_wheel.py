"""Build the Windows x64 wheel: this package with its native libraries prebuilt as DLLs.

    python tools/build_windows_wheel.py [--out dist]

A Windows licensee without a C compiler installs this wheel and gets a working stub
(``portsip.testing.stub_library_path()`` finds ``portsip/_prebuilt/portsip_stub.dll`` first).
The script

1. builds the package's wheel with pip (``pip wheel --no-deps``, as ``pip install .`` would),
2. compiles every library of ``portsip/_cbuild.py``'s ``LIBRARIES`` table for Windows x64: with
   mingw-w64 from Linux (``x86_64-w64-mingw32-gcc``), or with gcc/MSVC on Windows,
3. writes ``portsip-<version>-py3-none-win_amd64.whl``: the wheel's files, less any binaries
   built for the build machine, plus the DLLs in ``portsip/_prebuilt/``, tagged for Windows x64
   (any Python 3: the package itself is pure Python on cffi) with a new RECORD.

It needs only the standard library and pip; ``_cbuild`` is loaded by file path, so portsip
need not be installed in the Python that runs it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
TAG = "py3-none-win_amd64"


def load_cbuild() -> ModuleType:
    spec = importlib.util.spec_from_file_location("portsip_cbuild", ROOT / "portsip" / "_cbuild.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def pure_wheel(work: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(work), str(ROOT)], check=True
    )
    (wheel,) = work.glob("portsip-*.whl")
    return wheel


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def retag(wheel: Path, dlls: dict[str, bytes], out_dir: Path, prebuilt_dir: str) -> Path:
    """A copy of ``wheel`` with ``dlls`` (name -> content) in portsip/<prebuilt_dir>/, tagged TAG."""
    name, version = wheel.name.split("-")[:2]
    dist_info = f"{name}-{version}.dist-info"
    target = out_dir / f"{name}-{version}-{TAG}.whl"
    prebuilt = f"portsip/{prebuilt_dir}/"
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as source:
        for entry in source.namelist():
            if entry.startswith(prebuilt) or entry == f"{dist_info}/RECORD":
                continue  # binaries for the build machine, if a build hook made any; RECORD is rewritten
            files[entry] = source.read(entry)
    for dll, content in dlls.items():
        files[prebuilt + dll] = content
    wheel_meta = files[f"{dist_info}/WHEEL"].decode()
    lines = [line for line in wheel_meta.splitlines() if line and not line.startswith(("Tag:", "Root-Is-Purelib:"))]
    files[f"{dist_info}/WHEEL"] = "\n".join([*lines, "Root-Is-Purelib: false", f"Tag: {TAG}", ""]).encode()
    record = [_record_line(entry, data) for entry, data in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, data in files.items():
            archive.writestr(entry, data)
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="directory for the wheel (default: dist)")
    options = parser.parse_args(argv)
    cbuild = load_cbuild()
    with tempfile.TemporaryDirectory() as work:
        compiler = cbuild.find_compiler("windows")
        dlls = {}
        for name in cbuild.LIBRARIES:
            filename = cbuild.library_filename(name, "windows")
            dlls[filename] = cbuild.build(name, Path(work) / "dll" / filename, compiler=compiler).read_bytes()
        wheel = retag(pure_wheel(Path(work) / "wheel"), dlls, options.out, cbuild.PREBUILT_DIR)
    print(wheel)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
