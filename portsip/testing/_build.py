"""The stub library for this system: configured, packaged, or built once per source version.

:func:`stub_library_path` answers, in this order:

1. ``$PORTSIP_STUB_LIBRARY``: a library built elsewhere (e.g. with sanitizers);
2. the prebuilt stub inside the installed package (the Windows wheel ships ``portsip_stub.dll``,
   so a Windows licensee needs no compiler);
3. a build from the package's C sources with the system's C compiler (see
   :mod:`portsip._cbuild`; ``CC`` picks it), cached in ``$PORTSIP_STUB_CACHE``, else
   ``$XDG_CACHE_HOME/portsip`` or ``~/.cache/portsip`` (``%LOCALAPPDATA%\\portsip`` on Windows).

``stub_library_path(wire=True)`` is the wire build of the stub (real SIP over UDP and TCP, with libre
and expat, found with pkg-config): ``$PORTSIP_WIRE_STUB_LIBRARY``, else built and cached the same way
(never prebuilt: it links the system's libre). Linux and macOS only: there is no libre for Windows here.

A cached build is named by a hash of the sources' content and the compiler flags, never by a
path: every checkout and virtual environment with the same sources shares one build, and a
stale one is never picked up. Each use marks the build as recently used; after a new build,
all but the :data:`KEEP_BUILDS` most recently used builds are deleted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .. import _cbuild
from ..errors import PortSIPError

ENV_LIBRARY = "PORTSIP_STUB_LIBRARY"
ENV_WIRE_LIBRARY = "PORTSIP_WIRE_STUB_LIBRARY"
ENV_CACHE = "PORTSIP_STUB_CACHE"
STUB = _cbuild.LIBRARIES["portsip_stub"]
#: The wire build: the stub's sources with the in-process network (stub_local.c) switched off by
#: PORTSIP_WIRE and stubs/wire/ linked in its place. Not in _cbuild.LIBRARIES: no wheel prebuilds it.
WIRE_STUB = _cbuild.LibrarySpec(
    name="portsip_stub_wire",
    sources=(*STUB.sources, ("stubs/wire", "*.c")),
    include_dirs=(*STUB.include_dirs, "stubs/wire"),
    exports=STUB.exports,
)
WIRE_DEFINES = ("PORTSIP_WIRE",)
#: pkg-config packages of the wire build, and the Debian packages that provide them.
WIRE_PACKAGES = {"libre": "libre-dev", "expat": "libexpat1-dev"}
#: Builds of the stub kept in the cache (the most recently used): a few source versions in use
#: at once (branches, installed releases) each keep theirs; older ones go.
KEEP_BUILDS = 4

_lock = threading.Lock()


class StubBuildError(PortSIPError):
    """The stub library could not be built (no C compiler, or the sources do not compile)."""


def _cache_dir() -> Path:
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "portsip"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "portsip"


def _writable_cache() -> Path:
    cache = _cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        return cache
    except OSError:  # e.g. a read-only home in a sandbox
        fallback = Path(tempfile.gettempdir()) / "portsip-stub-cache"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def _builds(cache: Path, library: _cbuild.LibrarySpec = STUB) -> list[Path]:
    """The builds of ``library`` in the cache, most recently used first."""
    stem = _cbuild.library_filename(f"{library.name}-*")

    def last_use(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:  # deleted meanwhile by another process
            return 0.0

    return sorted(cache.glob(stem), key=last_use, reverse=True)


def _mark_used(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:  # a read-only cache still works, it just is not pruned by use
        pass


def _prune(cache: Path, library: _cbuild.LibrarySpec) -> None:
    for old in _builds(cache, library)[KEEP_BUILDS:]:
        try:
            old.unlink()
        except OSError:  # in use (Windows locks loaded DLLs) or already gone: next time
            pass
    for leftover in cache.glob(".build-*"):  # a builder that was killed mid-build
        try:
            if time.time() - leftover.stat().st_mtime > 3600:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass


def _wire_flags() -> list[str]:
    """The compiler and linker flags of libre and expat (pkg-config), or StubBuildError naming what to install."""
    install = "apt-get install " + " ".join([*WIRE_PACKAGES.values(), "pkg-config"])
    if sys.platform == "win32":
        raise StubBuildError("the wire stub needs libre, which is not built for Windows: test against a real server on Linux")
    pkg_config = shutil.which("pkg-config")
    if pkg_config is None:
        raise StubBuildError(f"the wire stub needs pkg-config to find libre and expat: {install}")
    missing = [package for package in WIRE_PACKAGES if subprocess.run([pkg_config, "--exists", package], check=False).returncode]
    if missing:
        debian = " ".join(WIRE_PACKAGES[package] for package in missing)
        raise StubBuildError(f"the wire stub needs {' and '.join(missing)}, which pkg-config does not find: apt-get install {debian}")
    result = subprocess.run([pkg_config, "--cflags", "--libs", *WIRE_PACKAGES], capture_output=True, text=True, check=False)
    if result.returncode:
        raise StubBuildError(f"pkg-config --cflags --libs {' '.join(WIRE_PACKAGES)} failed: {result.stderr.strip()}")
    # libre's headers are not ours: included as system headers, so our warnings-as-errors do not apply to them
    return [("-isystem" + flag[2:]) if flag.startswith("-I") else flag for flag in result.stdout.split()]


def stub_library_path(*, wire: bool = False) -> str:
    """The path of the stub library: configured, packaged, or built (once) from the sources.

    ``wire=True``: the wire build, whose instances speak real SIP over UDP and TCP (needs libre and
    expat: ``apt-get install libre-dev libexpat1-dev pkg-config``; :class:`StubBuildError` says so).
    """
    if wire:
        return os.environ.get(ENV_WIRE_LIBRARY) or _built(WIRE_STUB, WIRE_DEFINES, _wire_flags())
    if os.environ.get(ENV_LIBRARY):
        return os.environ[ENV_LIBRARY]
    packaged = _cbuild.packaged_library(STUB.name)
    if packaged is not None:
        return str(packaged)
    return _built(STUB, (), ())


def _built(library: _cbuild.LibrarySpec, defines: tuple[str, ...], extra_args: list[str] | tuple[str, ...]) -> str:
    """``library`` from the cache, built there first if needed."""
    try:
        compiler = _cbuild.find_compiler()
        key = _cbuild.fingerprint(library, compiler, defines, extra_args)
        with _lock:
            cache = _writable_cache()
            target = cache / _cbuild.library_filename(f"{library.name}-{key[:16]}")
            if target.is_file():
                _mark_used(target)
                return str(target)
            try:
                _cbuild.build(library, target, compiler=compiler, defines=defines, extra_args=extra_args)
            except PermissionError:  # Windows: another process built and loaded it meanwhile
                if not target.is_file():
                    raise
            _prune(cache, library)
            return str(target)
    except _cbuild.BuildError as exc:
        hint = " (or install the Windows wheel, which ships a prebuilt stub)" if sys.platform == "win32" else ""
        configured = ENV_WIRE_LIBRARY if library is WIRE_STUB else ENV_LIBRARY
        raise StubBuildError(f"cannot build the stub library: {exc}{hint}; or set {configured} to a prebuilt one") from exc
