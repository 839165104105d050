"""Build hook: compile the native event queue into the package when a C compiler is available.

Everything else is declared in pyproject.toml. ``native/portsip_events.c`` becomes
``portsip/libportsip_events.so`` (``portsip_events.dll`` on Windows, ``.dylib`` on macOS): a plain
C library with no Python C-API dependency, loaded at run time with cffi like the SDK itself, so one
build serves every Python version. Without a compiler the build still succeeds and portsip uses
its cffi event backend (see portsip/_backend.py); ``PORTSIP_REQUIRE_NATIVE=1`` turns that into an
error instead (CI uses it).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent
NATIVE = ROOT / "native"


def library_file_name() -> str:
    if sys.platform == "win32":
        return "portsip_events.dll"
    return "libportsip_events.dylib" if sys.platform == "darwin" else "libportsip_events.so"


class NativeLibrary(Extension):
    """A plain shared library built into the package (not a Python extension module)."""


class BuildNative(build_ext):
    def get_ext_filename(self, fullname: str) -> str:
        return os.path.join(*fullname.split(".")[:-1], library_file_name())

    def build_extension(self, ext: Extension) -> None:
        if not isinstance(ext, NativeLibrary):
            super().build_extension(ext)
            return
        output = Path(self.get_ext_fullpath(ext.name))
        output.parent.mkdir(parents=True, exist_ok=True)
        compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
        flags = ["-std=c11", "-O2", "-shared", "-Wall", "-Wextra", "-Wpedantic"]
        if sys.platform == "win32":
            flags += ["-static-libgcc"]
        else:
            flags += ["-fPIC", "-pthread"]
        command = [*compiler, *flags, f"-I{NATIVE}", *(str(ROOT / s) for s in ext.sources), "-o", str(output)]
        try:
            result = subprocess.run(command, capture_output=True, text=True)
            failure = result.stderr if result.returncode else ""
        except OSError as exc:
            failure = str(exc)
        if failure:
            message = f"portsip: the native event queue was not built ({shlex.join(command)}): {failure.strip()}"
            if os.environ.get("PORTSIP_REQUIRE_NATIVE"):
                raise RuntimeError(message)
            print(message + "\nportsip: falling back to the cffi event backend", file=sys.stderr)


class PlatformWheel(bdist_wheel):
    """The library does not depend on Python's version or ABI: tag the wheel py3-none-<platform>."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> tuple[str, str, str]:
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(
    ext_modules=[NativeLibrary("portsip._events", sources=["native/portsip_events.c"])],
    cmdclass={"build_ext": BuildNative, "bdist_wheel": PlatformWheel},
)
