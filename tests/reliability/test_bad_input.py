"""Bad input: every public method with wrong types, None, extreme ints, NUL bytes and huge strings
gives a Python exception, never a crash or a hang.

The SDK functions of portsip/_api are covered by tests/test_api.py (the same bad values, from the
tests/valid_args tables, and proof through the stub's journal that no C call was made); this module
covers the rest of the public surface (the constructor, the event API, close, StubControl and the
module-level functions) and huge strings everywhere a string goes to C. A watchdog ends the process
if a call hangs, so a hang fails loudly instead of stalling the run.
"""

from __future__ import annotations

import asyncio
import faulthandler
import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from reliability_support import size
from support import ANY_OBJECT, BOOL_BAD, INT_BAD, STR_BAD, VALID

from portsip import PortSIPError, PortSIPLib, SIPCallbackEvents
from portsip.errors import code_of, error_for_code, error_name
from portsip.events import Event, RecvInfo, RecvMessage
from portsip.testing import StubControl, stub_library_path

HUGE = "x" * size(1024 * 1024, 10 * 1024 * 1024)

TIMEOUT_BAD = [("1", TypeError), (True, TypeError), (ANY_OBJECT, TypeError), (-1, ValueError), (math.nan, ValueError)]
SECONDS_BAD = [(None, TypeError), *TIMEOUT_BAD]
EVENT_BAD = [(None, TypeError), ("x", TypeError), (RecvInfo, TypeError), (ANY_OBJECT, TypeError), (Event, TypeError)]
EVENT_TYPE_BAD = [(None, TypeError), (str, TypeError), ("RecvInfo", TypeError), (ANY_OBJECT, TypeError), (RecvInfo("x"), TypeError)]
CALLABLE_BAD = [(None, TypeError), ("x", TypeError), (1, TypeError)]
LIB_BAD = [(None, TypeError), ("lib", TypeError), (ANY_OBJECT, TypeError), (1, TypeError)]
HANDLER_OBJECT_BAD = [(None, TypeError), ("x", TypeError), (SIPCallbackEvents, TypeError), (ANY_OBJECT, TypeError)]
POSITIVE_INT_BAD = [*INT_BAD, (0, ValueError), (-1, ValueError)]
OPTIONAL_POSITIVE_INT_BAD = [(v, e) for v, e in POSITIVE_INT_BAD if v is not None]  # None: the default


class Handlers(SIPCallbackEvents):
    def on_recv_info(self, event: RecvInfo) -> None:
        pass


#: name -> (call(target, *args), valid args, bad values per position). ``target`` is (lib, control, peer).
Target = tuple[PortSIPLib, StubControl, PortSIPLib]
SURFACE: dict[str, tuple[Callable[..., object], tuple[Any, ...], list[list[tuple[object, type[Exception]]]]]] = {
    "PortSIPLib.max_pending_events": (lambda t, v: PortSIPLib(t[0].library_path, max_pending_events=v), (10,), [POSITIVE_INT_BAD]),
    "PortSIPLib.max_pending_bytes": (lambda t, v: PortSIPLib(t[0].library_path, max_pending_bytes=v), (10,), [POSITIVE_INT_BAD]),
    "PortSIPLib.backlog_events": (lambda t, v: PortSIPLib(t[0].library_path, backlog_events=v), (10,), [OPTIONAL_POSITIVE_INT_BAD]),
    "PortSIPLib.backlog_bytes": (lambda t, v: PortSIPLib(t[0].library_path, backlog_bytes=v), (10,), [OPTIONAL_POSITIVE_INT_BAD]),
    "PortSIPLib.backlog_seconds": (lambda t, v: PortSIPLib(t[0].library_path, backlog_seconds=v), (1.0,), [SECONDS_BAD]),
    # the valid None stands for the stub here (PortSIPLib(None) would look for the SDK)
    "PortSIPLib.library": (lambda t, v: PortSIPLib(t[0].library_path if v is None else v), (None,),
                           [[(1, TypeError), (ANY_OBJECT, TypeError), ("no\0such", ValueError), ("/no/such/lib.so", PortSIPError)]]),
    "on": (lambda t, e, h: t[0].on(e, h), (RecvInfo, print), [EVENT_TYPE_BAD, CALLABLE_BAD[1:]]),  # None: a decorator
    "off": (lambda t, e, h: t[0].off(e, h), (RecvInfo, print), [EVENT_TYPE_BAD, [*CALLABLE_BAD, (len, ValueError)]]),
    "attach": (lambda t, o: t[0].attach(o), (Handlers(),), [HANDLER_OBJECT_BAD]),
    "detach": (lambda t, o: t[0].detach(o), (Handlers(),), [HANDLER_OBJECT_BAD]),
    "wait_for": (lambda t, e, timeout, p: t[0].wait_for(e, timeout, p), (RecvInfo, 0.0, None),
                 [[*EVENT_TYPE_BAD, ((), TypeError), ((RecvInfo, int), TypeError)], TIMEOUT_BAD, [("x", TypeError), (1, TypeError)]]),
    "drain": (lambda t, timeout: t[0].drain(timeout), (1.0,), [TIMEOUT_BAD]),
    "async_events": (lambda t, e: t[0].async_events(e), (RecvInfo,), [EVENT_TYPE_BAD]),
    "close": (lambda t, timeout: t[0].close(timeout), (None,), [TIMEOUT_BAD]),
    "StubControl": (lambda t, lib: StubControl(lib), (None,), [LIB_BAD]),
    "StubControl.emit": (lambda t, e, d, n: t[1].emit(e, delay=d, data_length=n), (RecvMessage(1, "t", "p", b"abc"), 0.0, 3),
                         [EVENT_BAD, [*SECONDS_BAD, (1e10, ValueError)], [*INT_BAD[1:], (4, ValueError)]]),  # data_length None: len(data)
    "StubControl.flood": (lambda t, e, c, n, r, w: t[1].flood(e, c, n, r, wait=w), (RecvInfo("x"), 1, 1, None, True),
                          [EVENT_BAD, [*INT_BAD, (-1, ValueError)], [*POSITIVE_INT_BAD, (257, ValueError)],
                           [*TIMEOUT_BAD, (0, ValueError), (1e-300, ValueError)], BOOL_BAD]),
    "StubControl.flood_tag": (lambda t, e: StubControl.flood_tag(e), (RecvInfo("0:1:x"),), [EVENT_BAD]),
    "StubControl.script_next_send": (lambda t, c, r, d: t[1].script_next_send(c, r, d), (200, "OK", 0.0),
                                     [[*INT_BAD, (99, ValueError), (700, ValueError)], STR_BAD, SECONDS_BAD]),
    "StubControl.fail_next_send": (lambda t, c, r, d: t[1].fail_next_send(c, r, d), (486, "Busy", 0.0),
                                   [[*INT_BAD, (200, ValueError)], STR_BAD, SECONDS_BAD]),
    "StubControl.fail_next_register": (lambda t, c, r: t[1].fail_next_register(c, r), (403, "Forbidden"),
                                       [[*INT_BAD, (200, ValueError)], STR_BAD]),
    "StubControl.open_session_with": (lambda t, p: t[1].open_session_with(p), (None,), [LIB_BAD]),
    "StubControl.calls_to": (
        lambda t, f: t[1].calls_to(f), ("PortSIP_x",), [[(None, TypeError), (1, TypeError), (ANY_OBJECT, TypeError)]]
    ),
    "StubControl.wait_idle": (lambda t, timeout: t[1].wait_idle(timeout), (1.0,), [SECONDS_BAD]),
    "code_of": (lambda t, name: code_of(name), ("ECoreNotInitialized",), [[(None, TypeError), (1, TypeError), ("ENoSuchCode", KeyError)]]),
    "error_name": (
        lambda t, code: error_name(code), (-60001,), [[(None, TypeError), ("x", TypeError), (1.5, TypeError), (True, TypeError)]]
    ),
    "error_for_code": (lambda t, code, f: error_for_code(code, f), (-60001, "PortSIP_x"),
                       [[(None, TypeError), ("x", TypeError)], [(None, TypeError), (1, TypeError)]]),
    "stub_library_path": (lambda t, *extra: stub_library_path(*extra), (), []),
}


def cases() -> list[Any]:
    found = []
    for name, (_, valid, bad) in SURFACE.items():
        assert len(bad) == len(valid), name
        for position, values in enumerate(bad):
            found += [pytest.param(name, position, value, error, id=f"{name}-{position}-{k}") for k, (value, error) in enumerate(values)]
    found.append(pytest.param("stub_library_path", 0, "extra", TypeError, id="stub_library_path-extra"))
    found += [pytest.param(name, -1, None, Exception, id=f"{name}-no-args") for name, (_, valid, _) in SURFACE.items() if valid]
    return found


@pytest.fixture
def target(portsip_lib_factory: Callable[..., PortSIPLib]) -> Iterator[Target]:
    lib, peer = portsip_lib_factory("alice"), portsip_lib_factory("bob")
    faulthandler.dump_traceback_later(120, exit=True)  # a hang ends the run with a traceback
    yield lib, StubControl(lib), peer
    faulthandler.cancel_dump_traceback_later()


@pytest.mark.parametrize("name, position, value, error", cases())
def test_bad_input_raises(
    target: Target, name: str, position: int, value: object, error: type[Exception], figure: Callable[..., None]
) -> None:
    figure("bad calls, each refused with a Python exception", 1, total="test_bad_input")
    call, valid, _ = SURFACE[name]
    if position < 0:  # called with no arguments at all
        with pytest.raises(TypeError):
            call(target)
        return
    args = list(valid)
    if name in ("StubControl", "StubControl.open_session_with"):
        args[0] = target[2]
    if position < len(args):
        args[position] = value
    else:
        args.append(value)
    with pytest.raises(error):
        call(target, *args)


def test_the_valid_calls_of_the_surface_table_work(target: Target) -> None:
    """So that each bad value above is what makes its call fail."""
    for name, (call, valid, _) in SURFACE.items():
        args = list(valid)
        if name in ("StubControl", "StubControl.open_session_with"):
            args[0] = target[2]
        if name == "off":
            target[0].on(RecvInfo, print)
        if name == "close":
            continue
        if name == "wait_for":
            target[1].emit(RecvInfo("x"))
            args[1] = 10.0
        if name == "async_events":  # a stream needs a running event loop
            async def open_stream(call: Any = call, args: list[Any] = args) -> None:
                async with call(target, *args):
                    pass
            asyncio.run(open_stream())
            continue
        result = call(target, *args)
        if isinstance(result, PortSIPLib):
            result.close()


def huge_string_cases() -> list[Any]:
    return [pytest.param(method, position, id=f"{method}-{position}")
            for method, valid in VALID.items() for position, value in enumerate(valid) if isinstance(value, str)]


@pytest.mark.parametrize("method, position", huge_string_cases())
def test_huge_strings_reach_c_intact_or_are_refused_cleanly(
    target: Target, method: str, position: int, figure: Callable[..., None]
) -> None:
    figure(f"{len(HUGE) // 2**20} MiB strings into SDK functions, intact or refused", 1, total="test_bad_input")
    lib, control, _ = target
    args = list(VALID[method])
    args[position] = HUGE
    control.clear_calls()
    try:
        getattr(lib, method)(*args)
    except (PortSIPError, ValueError):
        return  # the SDK refused it with its code (e.g. a 10 MB URI), or Python did before C
    [call] = control.calls
    # as a C string, or as a body where the method sends text as UTF-8 bytes (send_text)
    assert HUGE in call.args.values() or HUGE.encode() in call.args.values()
    control.clear_calls()
