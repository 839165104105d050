"""Helpers shared by the test modules (importable because pytest puts tests/ on sys.path)."""

from __future__ import annotations

import asyncio
import os
import runpy
import subprocess
import sys
import sysconfig
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import portsip
from portsip import PortSIPLib, SDKError
from portsip._delivery.native import events_library
from portsip.events import EVENT_TYPES, Event

from abi import snake_case

#: PortSIP_* functions whose method is not named <the function without PortSIP_> in snake_case.
RENAMED_METHODS = {
    "PortSIP_unRegisterServer": "unregister_server",  # "unregister" is one word
    "PortSIP_enable3GppTags": "enable_3gpp_tags",  # snake_case would split "3Gpp" as "3_gpp"
}


def method_name(function: str) -> str:
    """The PortSIPLib method that calls the PortSIP_* ``function``."""
    return RENAMED_METHODS.get(function, snake_case(function.removeprefix("PortSIP_")))


def vendor_error(call: Callable[[], object], name: str, family: type[SDKError] = SDKError) -> None:
    """``call()`` raises the SDK's code ``name`` (e.g. "ECoreSipHeaderNotExist") as a ``family`` exception."""
    with pytest.raises(family) as raised:
        call()
    assert raised.value.name == name


def install_queue_handler(lib: PortSIPLib, event_type: type[Event], callback_index: int, callback_object: int | None = None) -> None:
    """Reinstall the native queue's handler for ``event_type`` on ``lib``'s dispatcher, with another
    callbackIndex (and callbackObject: by default ``lib``'s routing id)."""
    handler = lib._ffi.cast(event_type.typedef_name, events_library().handler_address(EVENT_TYPES.index(event_type)))
    routing_id = lib._events.routing_id if callback_object is None else callback_object
    getattr(lib._c, event_type.setter_name)(lib._dispatcher, handler, callback_index, routing_id)


def console_script(name: str) -> str:
    """The full path of the console script ``name`` (``portsip``, ``portsip-demo``) installed
    with the portsip under test: in the environment's scripts folder (``Scripts`` on Windows)."""
    file_name = name + (".exe" if sys.platform == "win32" else "")
    folders = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    for folder in folders:
        if os.path.isfile(os.path.join(folder, file_name)):
            return os.path.join(folder, file_name)
    pytest.fail(f"{file_name} is not installed in {' or '.join(dict.fromkeys(folders))}")


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


#: method -> valid positional arguments, for every public method of every portsip/_api module:
#: tests/valid_args/<module>.py holds the table of portsip/_api/<module>.py.
TABLES = {path.stem: runpy.run_path(str(path)) for path in sorted((Path(__file__).parent / "valid_args").glob("*.py"))}
VALID_BY_MODULE: dict[str, dict[str, tuple[Any, ...]]] = {module: table["VALID"] for module, table in TABLES.items()}
VALID: dict[str, tuple[Any, ...]] = {method: args for table in VALID_BY_MODULE.values() for method, args in table.items()}
#: Methods whose C function takes no SDK handle, listed as WITHOUT_INITIALIZE in their table.
WITHOUT_INITIALIZE: set[str] = set().union(*(table.get("WITHOUT_INITIALIZE", set()) for table in TABLES.values()))

ANY_OBJECT = object()
STR_BAD = [(None, TypeError), (b"bytes", TypeError), (1, TypeError), (ANY_OBJECT, TypeError),
           ("a\x00b", ValueError), ("\ud800", ValueError)]
INT_BAD = [(None, TypeError), ("1", TypeError), (1.5, TypeError), (True, TypeError), (ANY_OBJECT, TypeError),
           (2**64, ValueError), (-(2**64), ValueError)]
BOOL_BAD = [(None, TypeError), (1, TypeError), ("yes", TypeError), (ANY_OBJECT, TypeError)]
DATA_BAD = [(None, TypeError), ("text", TypeError), (1, TypeError), ([1, 2], TypeError), (ANY_OBJECT, TypeError)]
#: A valid None stands for an optional native handle (a window): an int or None.
HANDLE_BAD = [("1", TypeError), (1.5, TypeError), (True, TypeError), (-1, ValueError), (2**64, ValueError), (ANY_OBJECT, TypeError)]


def bad_values(valid: object) -> list[tuple[object, type[Exception]]]:
    """Values of the wrong type or out of range for a parameter whose valid value is ``valid``, and the error each gives."""
    if isinstance(valid, bool):
        return BOOL_BAD
    if isinstance(valid, str):
        return STR_BAD
    if isinstance(valid, bytes):
        return DATA_BAD
    if valid is None:
        return HANDLE_BAD
    assert isinstance(valid, int), valid
    return INT_BAD


class LoopTicks:
    """Counts the 10 ms ticks an asyncio loop makes while a ``with`` block awaits: a wait that blocked
    the loop leaves it near 0. ``async with LoopTicks() as ticks: ...; assert ticks.count >= 10``."""

    def __init__(self) -> None:
        self.count = 0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.count += 1

    async def __aenter__(self) -> LoopTicks:
        self._task = asyncio.create_task(self._tick())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()


#: A test that forks while other threads run: not under AddressSanitizer, whose own allocator (GCC
#: 12's libasan) keeps a lock another thread held at fork, so a child can hang in malloc whatever
#: our code does (seen in gdb). The plain run tests our locks.
forks_while_threads_run = pytest.mark.skipif(
    not hasattr(os, "fork") or "libasan" in os.environ.get("LD_PRELOAD", ""),
    reason="needs fork, and a run without AddressSanitizer (its allocator is not fork-safe)",
)
