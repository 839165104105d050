"""The stub library for this system: configured, packaged, or built once per source version.

:func:`stub_library_path` answers, in this order:

1. ``$PORTSIP_STUB_LIBRARY``: a library built elsewhere (e.g. with sanitizers);
2. the prebuilt stub inside the installed package (the Windows wheel ships ``portsip_stub.dll``,
   so a Windows licensee needs no compiler);
3. a build from the package's C sources with the system's C compiler (see
   :mod:`portsip._cbuild`; ``CC`` picks it), cached in ``$PORTSIP_STUB_CACHE``, else
   ``$XDG_CACHE_HOME/portsip`` or ``~/.cache/portsip`` (``%LOCALAPPDATA%\\portsip`` on Windows).

A cached build is named by a hash of the sources' content and the compiler flags, never by a
path: every checkout and virtual environment with the same sources shares one build, and a
stale one is never picked up. Each use marks the build as recently used; after a new build,
all but the :data:`KEEP_BUILDS` most recently used builds are deleted.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from .. import _cbuild
from ..errors import PortSIPError

ENV_LIBRARY = "PORTSIP_STUB_LIBRARY"
ENV_CACHE = "PORTSIP_STUB_CACHE"
STUB = _cbuild.LIBRARIES["portsip_stub"]
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


def _builds(cache: Path) -> list[Path]:
    """The stub builds in the cache, most recently used first."""
    stem = _cbuild.library_filename(f"{STUB.name}-*")

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


def _prune(cache: Path) -> None:
    for old in _builds(cache)[KEEP_BUILDS:]:
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


def stub_library_path() -> str:
    """The path of the stub library: configured, packaged, or built (once) from the sources."""
    if os.environ.get(ENV_LIBRARY):
        return os.environ[ENV_LIBRARY]
    packaged = _cbuild.packaged_library(STUB.name)
    if packaged is not None:
        return str(packaged)
    try:
        compiler = _cbuild.find_compiler()
        key = _cbuild.fingerprint(STUB, compiler)
        with _lock:
            cache = _writable_cache()
            target = cache / _cbuild.library_filename(f"{STUB.name}-{key[:16]}")
            if target.is_file():
                _mark_used(target)
                return str(target)
            try:
                _cbuild.build(STUB, target, compiler=compiler)
            except PermissionError:  # Windows: another process built and loaded it meanwhile
                if not target.is_file():
                    raise
            _prune(cache)
            return str(target)
    except _cbuild.BuildError as exc:
        hint = " (or install the Windows wheel, which ships a prebuilt stub)" if sys.platform == "win32" else ""
        raise StubBuildError(f"cannot build the stub library: {exc}{hint}; or set {ENV_LIBRARY} to a prebuilt one") from exc
