"""Ids are the SDK's C ``long``: 32 bits on Windows x64 (LLP64), 64 on Linux and macOS.

Where long is 32 bits (CI runs this file on Windows under Wine), an id beyond 2**31-1 must be
refused before any C call (cffi would raise OverflowError, a truncation would reach the wrong
session), and ids at the very edges must travel both ways unchanged. The long arguments are
found by watching the checks the cdef's types give them, so every API method is covered as it is added.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any
from unittest import mock

import pytest
from support import install_queue_handler
from test_api import VALID
from test_event_roundtrip import make_event

from portsip import PortSIPError, PortSIPLib, _args
from portsip._api._core import SDKCore
from portsip._loader import get_ffi
from portsip.events import EVENT_TYPES, Event
from portsip.testing import StubControl, stub_library_path

LONG_MIN, LONG_MAX = _args.C_RANGES["long"]
only_where_long_is_32_bits = pytest.mark.skipif(
    LONG_MAX != 2**31 - 1, reason="C long is 64 bits here: ids up to 2**63-1 are valid"
)


class _Reached(Exception):
    """Raised instead of calling C: the arguments passed their checks."""


class _StandIn(PortSIPLib):
    """A PortSIPLib with the real API methods on the real cdef and library, whose other state
    (what __init__ would set) is mocks; a send's receipt book makes the send at once."""

    def __init__(self) -> None:
        ffi = get_ffi()
        self._ffi, self._c = ffi, ffi.dlopen(stub_library_path())
        self._receipts = mock.MagicMock(**{"send.side_effect": lambda kind, send, timeout, key: send()})

    def __getattr__(self, name: str) -> Any:
        value = mock.MagicMock()
        setattr(self, name, value)
        return value

    def __del__(self) -> None:
        pass


def long_arguments() -> list[tuple[str, int]]:
    """(method, position) of every argument an API method passes to a C long: SDKCore._call checks
    each integer against its C type in the cdef, which this watches, stopping the call just before C."""
    stand_in = _StandIn()
    found = []
    for method, valid in VALID.items():
        checked: list[str] = []

        def spy(name: str, value: object, c_type: str = "int", *args: Any, checked: list[str] = checked, **kwargs: Any) -> int:
            if c_type == "long":
                checked.append(name)
            return real_integer(name, value, c_type, *args, **kwargs)

        with mock.patch.object(_args, "integer", spy), mock.patch.object(SDKCore, "_invoke", side_effect=_Reached), \
                pytest.raises(_Reached):
            getattr(stand_in, method)(*valid)
        parameters = list(inspect.signature(getattr(PortSIPLib, method)).parameters)[1:]
        found += [(method, parameters.index(name)) for name in checked]
    return found


real_integer = _args.integer
LONG_ARGUMENTS = long_arguments()


def test_long_ranges_match_the_c_long() -> None:
    assert 8 * get_ffi().sizeof("long") == LONG_MAX.bit_length() + 1
    assert ("presence_accept_subscribe", 0) in LONG_ARGUMENTS and ("send_message", 0) in LONG_ARGUMENTS


@only_where_long_is_32_bits
@pytest.mark.parametrize("value", [2**31, 2**32 - 1, 2**32 + 1, -(2**31) - 1])
@pytest.mark.parametrize("method, position", LONG_ARGUMENTS)
def test_ids_beyond_32_bits_are_refused_before_any_c_call(
    portsip_lib: PortSIPLib, stub_control: StubControl, method: str, position: int, value: int
) -> None:
    args = list(VALID[method])
    args[position] = value
    before = len(stub_control.calls)
    with pytest.raises(ValueError, match=f"between {LONG_MIN} and {LONG_MAX}"):
        getattr(portsip_lib, method)(*args)
    assert len(stub_control.calls) == before


@only_where_long_is_32_bits
@pytest.mark.parametrize("value", [LONG_MAX, LONG_MIN])
@pytest.mark.parametrize("method, position", LONG_ARGUMENTS)
def test_ids_at_the_edges_reach_c_unchanged(
    portsip_lib: PortSIPLib, stub_control: StubControl, method: str, position: int, value: int
) -> None:
    args = list(VALID[method])
    args[position] = value
    try:
        getattr(portsip_lib, method)(*args)
    except PortSIPError:  # no such session or subscription in the stub: the call was still made
        pass
    assert value in stub_control.calls[-1].args.values()


LONG_EVENTS = [t for t in EVENT_TYPES if "l" in t.signature]


@only_where_long_is_32_bits
@pytest.mark.parametrize("value", [LONG_MAX, LONG_MIN])
@pytest.mark.parametrize("event_type", LONG_EVENTS, ids=lambda t: t.__name__)
def test_event_ids_at_the_edges_arrive_unchanged(
    portsip_lib: PortSIPLib, stub_control: StubControl, event_type: type[Event], value: int
) -> None:
    event = make_event(event_type, "text", b"data")
    longs = [f.name for kind, f in zip(event_type.signature, dataclasses.fields(event_type), strict=True) if kind == "l"]
    sent = dataclasses.replace(event, **{name: value for name in longs})
    stub_control.emit(sent)
    assert portsip_lib.wait_for(event_type, timeout=10) == sent
    with pytest.raises(ValueError):
        stub_control.emit(dataclasses.replace(event, **{longs[0]: value + (1 if value > 0 else -1)}))


def test_a_callback_object_that_names_no_instance_reaches_none(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    # Instance ids travel through C as the long callbackObject, 32 bits on Windows: the native queue
    # numbers instances from 1 up to 2**31-1 on every platform (native/portsip_events.c, MAX_ID)
    # and never reuses one. An SDK call with any other callbackObject goes nowhere and is counted.
    from portsip._delivery.native import events_library
    from portsip.events import RecvOutOfDialogMessage

    late_before = events_library().late_calls()
    strays = [0, -1, 2**31 - 1, -(2**31)] + ([2**31, 2**62] if LONG_MAX > 2**31 else [])
    for stray in strays:
        install_queue_handler(portsip_lib, RecvOutOfDialogMessage, EVENT_TYPES.index(RecvOutOfDialogMessage), stray)
        stub_control.emit(make_event(RecvOutOfDialogMessage, "text", b"stray"))
    stub_control.wait_idle()
    assert events_library().late_calls() - late_before == len(strays)
    install_queue_handler(portsip_lib, RecvOutOfDialogMessage, EVENT_TYPES.index(RecvOutOfDialogMessage))
    sent = make_event(RecvOutOfDialogMessage, "text", b"routed")
    stub_control.emit(sent)
    assert portsip_lib.wait_for(RecvOutOfDialogMessage, timeout=10) == sent
    assert portsip_lib.stats["events_received"] == 1
