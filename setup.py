"""Build hook: compile the project's native libraries into the package. A C compiler is required.

Everything else is declared in pyproject.toml. Every library of ``portsip/_cbuild.py``'s table
becomes ``portsip/_prebuilt/lib<name>.so`` (``<name>.dll`` on Windows, ``.dylib`` on macOS): the
native event queue (``native/portsip_events.c``: the SDK's callbacks enter the binding there, it
is not optional) and the stub library (``stubs/*.c``: tests without the SDK). They are plain C
libraries with no Python C-API dependency, loaded at run time with cffi like the SDK itself, so
one build serves every Python version (the wheel is tagged py3-none-<platform>). The compiler,
flags and file names are portsip/_cbuild.py's, loaded here by path.

Without a working C compiler the build stops at once with one line that says what to install
(or to install a wheel: those carry the libraries prebuilt). ``PORTSIP_STRICT_BUILD=1`` makes
compiler warnings errors, as in the project's own builds (CI, tools/build_wheels.py); a
licensee's build does not fail on a warning class our compilers never gave.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build import build
from setuptools.command.build_ext import build_ext

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent
PACKAGE = "portsip"


def _load_cbuild():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("_portsip_cbuild", ROOT / "portsip" / "_cbuild.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]  # dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


cbuild = _load_cbuild()

#: Libraries an editable install leaves out of the source tree, and why.
NOT_IN_THE_SOURCE_TREE = {
    "portsip_stub": "portsip.testing builds it from the checkout's sources, keyed by their hash, so an edit takes effect",
}


class PlainSharedLibrary(Extension):
    """A plain C shared library built into the package (not a Python extension module), named
    after its entry in portsip/_cbuild.py's LIBRARIES."""

    def __init__(self, library: str) -> None:
        sources = [os.path.relpath(path, ROOT) for path in cbuild.sources(cbuild.LIBRARIES[library])]
        super().__init__(f"{PACKAGE}.{library}", sources=sources)
        self.library = library


@functools.cache
def require_compiler() -> None:
    """Stop with one line that says what to install unless a C compiler runs."""
    try:
        cbuild.check_compiler(cbuild.find_compiler())
    except cbuild.BuildError as exc:
        raise SystemExit(f"portsip needs a C compiler to build from source: {exc}; or install a portsip wheel") from None


class CheckedBuild(build):
    def run(self) -> None:
        require_compiler()  # before anything else is done (build_py, egg_info, ...)
        super().run()


class BuildNative(build_ext):
    def run(self) -> None:
        require_compiler()  # also here: editable installs run build_ext without build
        super().run()

    def get_ext_filename(self, fullname: str) -> str:
        # <package>/_prebuilt/<library file>: called with the dotted name, or its last part alone
        *package, library = fullname.split(".")
        return os.path.join(*package, cbuild.PREBUILT_DIR, cbuild.library_filename(library))

    def copy_extensions_to_source(self) -> None:
        """Editable installs: put the libraries where the package looks for them (portsip/_prebuilt)."""
        build_py = self.get_finalized_command("build_py")
        for ext in self.extensions:
            if isinstance(ext, PlainSharedLibrary) and ext.library in NOT_IN_THE_SOURCE_TREE:
                continue
            built = Path(self.build_lib) / self.get_ext_filename(self.get_ext_fullname(ext.name))
            package_dir = Path(build_py.get_package_dir(".".join(ext.name.split(".")[:-1])))
            target = package_dir / cbuild.PREBUILT_DIR / built.name
            target.parent.mkdir(parents=True, exist_ok=True)
            self.copy_file(str(built), str(target), level=self.verbose)

    def build_extension(self, ext: Extension) -> None:
        if not isinstance(ext, PlainSharedLibrary):
            super().build_extension(ext)
            return
        strict = os.environ.get("PORTSIP_STRICT_BUILD", "") not in ("", "0")
        try:
            cbuild.build(ext.library, Path(self.get_ext_fullpath(ext.name)), strict=strict)
        except cbuild.BuildError as exc:
            raise SystemExit(f"portsip: {exc}") from None


class PlatformWheel(bdist_wheel):
    """The libraries do not depend on Python's version or ABI: tag the wheel py3-none-<platform>."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> tuple[str, str, str]:
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(
    ext_modules=[PlainSharedLibrary(name) for name in cbuild.LIBRARIES],
    cmdclass={"build": CheckedBuild, "build_ext": BuildNative, "bdist_wheel": PlatformWheel},
)
