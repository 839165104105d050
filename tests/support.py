"""Helpers shared by the test modules (importable because pytest puts tests/ on sys.path)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import portsip
from portsip import PortSIPLib, _backend_cffi, _backend_native
from portsip._backend import handler_type, setter_name
from portsip.events import EVENT_TYPES, Event


def install_backend_handler(lib: PortSIPLib, event_type: type[Event], callback_index: int) -> None:
    """Reinstall the handler ``lib``'s backend uses for ``event_type``, with another callbackIndex."""
    index = EVENT_TYPES.index(event_type)
    if lib.backend == "native":
        native = _backend_native.native_library()
        assert native is not None
        handler = lib._ffi.cast(handler_type(event_type), native.handler_address(index))
    else:
        assert _backend_cffi._callbacks is not None
        handler = _backend_cffi._callbacks[index]
    getattr(lib._c, setter_name(event_type))(lib._dispatcher, handler, callback_index, lib._feed.routing_id)


# The directory holding the portsip under test (installed or the source tree).
PACKAGE_PARENT = Path(portsip.__file__).resolve().parent.parent


def run_python(code: str, stub: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter (``-X dev``) on the portsip under test and the stub ``stub``."""
    environment = dict(os.environ, PORTSIP_STUB_LIBRARY=stub, PYTHONPATH=str(PACKAGE_PARENT), **env)
    return subprocess.run(
        [sys.executable, "-X", "dev", "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=timeout, env=environment,
        cwd=str(PACKAGE_PARENT),  # `-c` puts the working directory first on sys.path: not the source tree
    )
