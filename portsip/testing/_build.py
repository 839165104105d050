"""Build the stub library from its C sources with the system C compiler, once per source version.

The library goes into a cache directory keyed by a hash of the sources and the compiler
command (a site-packages directory may be read-only, and a stale build must never be
picked up): ``$PORTSIP_STUB_CACHE``, else ``$XDG_CACHE_HOME/portsip`` or ``~/.cache/portsip``.
Set ``PORTSIP_STUB_LIBRARY`` to use a library built elsewhere instead.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .. import _header
from ..errors import PortSIPError

ENV_LIBRARY = "PORTSIP_STUB_LIBRARY"
ENV_CACHE = "PORTSIP_STUB_CACHE"

#: Warnings are errors: the stub must agree with portsip_abi.h to the letter, and every function
#: it exports must have a prototype in one of our headers (-Wmissing-prototypes).
CFLAGS = [
    "-std=c11", "-O1", "-g", "-fPIC", "-shared", "-pthread",
    "-Wall", "-Wextra", "-Werror", "-Wpedantic", "-Wmissing-prototypes", "-Wstrict-prototypes",
]

_lock = threading.Lock()


class StubBuildError(PortSIPError):
    """The stub library could not be built (no C compiler, or the sources do not compile)."""


def _c_files() -> list[Path]:
    """The stub's translation units: every .c file of stubs/ (one per concern)."""
    return sorted(_header.stubs_dir().glob("*.c"))


def _sources() -> list[Path]:
    """Everything the build reads: the C files and every header they may include."""
    native, stubs = _header.native_dir(), _header.stubs_dir()
    return [*_c_files(), *sorted(stubs.glob("*.h")), native / _header.ABI_HEADER, native / _header.ERRORS_HEADER]


def _cache_dir() -> Path:
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "portsip"


def compile_command(output: Path) -> list[str]:
    compiler = shlex.split(os.environ.get("CC", "cc"))
    native, stubs = _header.native_dir(), _header.stubs_dir()
    return [*compiler, *CFLAGS, f"-I{native}", f"-I{stubs}", *map(str, _c_files()), "-o", str(output)]


def stub_library_path() -> str:
    """The path of the stub library: ``$PORTSIP_STUB_LIBRARY``, or built (once) from the sources."""
    if os.environ.get(ENV_LIBRARY):
        return os.environ[ENV_LIBRARY]
    if sys.platform == "win32":
        raise StubBuildError("building the stub on Windows is not supported yet; set PORTSIP_STUB_LIBRARY")
    suffix = ".dylib" if sys.platform == "darwin" else ".so"
    digest = hashlib.sha256()
    for source in _sources():
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    digest.update(" ".join(compile_command(Path("out"))).encode())
    with _lock:
        cache = _cache_dir()
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError:
            cache = Path(tempfile.gettempdir()) / "portsip-stub-cache"
            cache.mkdir(parents=True, exist_ok=True)
        target = cache / f"libportsip_stub-{digest.hexdigest()[:16]}{suffix}"
        if target.is_file():
            return str(target)
        # Build beside the target, then rename: concurrent builders (pytest-xdist) never see half a file.
        fd, partial = tempfile.mkstemp(dir=cache, suffix=suffix)
        os.close(fd)
        command = compile_command(Path(partial))
        try:
            result = subprocess.run(command, capture_output=True, text=True)
        except OSError as exc:
            os.unlink(partial)
            raise StubBuildError(f"cannot run the C compiler ({command[0]}): {exc}; install one (e.g. gcc) or set CC") from exc
        if result.returncode != 0:
            os.unlink(partial)
            raise StubBuildError(f"building the stub failed:\n$ {shlex.join(command)}\n{result.stderr}{result.stdout}")
        os.replace(partial, target)
        return str(target)
