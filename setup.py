"""Build hook: compile the native event queue into the package when a C compiler is available.

Everything else is declared in pyproject.toml. ``native/portsip_events.c`` becomes
``portsip/_prebuilt/libportsip_events.so`` (``portsip_events.dll`` on Windows, ``.dylib`` on
macOS): a plain C library with no Python C-API dependency, loaded at run time with cffi like the
SDK itself, so one build serves every Python version (the wheel is tagged py3-none-<platform>).
The compiler, flags and file names are portsip/_cbuild.py's, loaded here by path.

Without a compiler the build still succeeds and portsip uses its cffi event backend (see
portsip/_backend.py); ``PORTSIP_REQUIRE_NATIVE=1`` turns that into an error and makes warnings
errors too (CI sets it).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent


def _load_cbuild():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("_portsip_cbuild", ROOT / "portsip" / "_cbuild.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]  # dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


cbuild = _load_cbuild()
EVENTS = "portsip_events"


class NativeLibrary(Extension):
    """A plain shared library built into the package (not a Python extension module)."""


class BuildNative(build_ext):
    def get_ext_filename(self, fullname: str) -> str:
        # <package>/_prebuilt/<library file>: called with the dotted name, or its last part alone
        return os.path.join(*fullname.split(".")[:-1], cbuild.PREBUILT_DIR, cbuild.library_filename(EVENTS))

    def copy_extensions_to_source(self) -> None:
        """Editable installs: put the library where the package looks for it (portsip/_prebuilt)."""
        build_py = self.get_finalized_command("build_py")
        for ext in self.extensions:
            built = Path(self.build_lib) / self.get_ext_filename(self.get_ext_fullname(ext.name))
            if isinstance(ext, NativeLibrary) and built.is_file():
                package_dir = Path(build_py.get_package_dir(".".join(ext.name.split(".")[:-1])))
                target = package_dir / cbuild.PREBUILT_DIR / built.name
                target.parent.mkdir(parents=True, exist_ok=True)
                self.copy_file(str(built), str(target), level=self.verbose)

    def build_extension(self, ext: Extension) -> None:
        if not isinstance(ext, NativeLibrary):
            super().build_extension(ext)
            return
        required = bool(os.environ.get("PORTSIP_REQUIRE_NATIVE"))
        try:
            cbuild.build(EVENTS, Path(self.get_ext_fullpath(ext.name)), strict=required)
        except cbuild.BuildError as exc:
            if required:
                raise
            print(f"portsip: the native event queue was not built ({exc}); portsip will use its cffi "
                  "event backend", file=sys.stderr)


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
