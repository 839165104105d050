"""Windows test DLLs: an SDK stand-in that, like the vendor's, imports a DLL that ships beside it.

``portsip_sdk.dll`` is the stub plus tests/native/sdk_with_dependency.c, linked against
``portsip_media.dll`` (tests/native/media_dependency.c). Windows must find the second one to
load the first: tests/test_windows.py copies them around to show where it is looked for.
``portsip_sdk_x86.dll`` is a 32-bit x86 DLL (mingw-w64's i686 compiler), which a 64-bit Python
cannot load: ``portsip doctor`` must say so in words.

CI cross-compiles them on Linux with mingw-w64, before running the suite under Wine::

    python tests/windows_dlls.py OUT_DIR

Tests take them from ``$PORTSIP_TEST_DLLS``, else build them with the host's gcc (Windows).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from portsip import _cbuild

ENV_DIR = "PORTSIP_TEST_DLLS"
SDK = "portsip_sdk.dll"
DEPENDENCY = "portsip_media.dll"
SDK_32BIT = "portsip_sdk_x86.dll"
MINGW_I686_CC = "i686-w64-mingw32-gcc"
_SOURCES = Path(__file__).resolve().parent / "native"


def build(out: Path) -> Path:
    """Build both DLLs into ``out`` (gcc-style compilers only: it links against a DLL directly)."""
    compiler = _cbuild.find_compiler("windows")
    if compiler.style != "gcc":
        raise _cbuild.BuildError(f"{compiler.command[0]} cannot link against a DLL directly; use mingw-w64 gcc")
    dependency = _cbuild.compile_shared(compiler, [_SOURCES / "media_dependency.c"], out / DEPENDENCY)
    _cbuild.build("portsip_stub", out / SDK, compiler=compiler, extra_sources=[_SOURCES / "sdk_with_dependency.c"], link=[dependency])
    return out


def build_32bit(out: Path) -> Path:
    """A 32-bit x86 DLL in ``out`` (its header is the point: any small C file will do)."""
    if shutil.which(MINGW_I686_CC) is None:
        raise _cbuild.BuildError(f"{MINGW_I686_CC} is not installed (apt-get install gcc-mingw-w64-i686)")
    compiler = _cbuild.Compiler((MINGW_I686_CC,), "gcc", "windows")
    return _cbuild.compile_shared(compiler, [_SOURCES / "media_dependency.c"], out / SDK_32BIT)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(f"usage: {sys.argv[0]} OUT_DIR")
    print(build(Path(sys.argv[1])))
    print(build_32bit(Path(sys.argv[1])))
