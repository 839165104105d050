"""portsip/_args.py: durations and timeouts of any size give a value or a ValueError, never OverflowError."""

from __future__ import annotations

import math

import pytest

from portsip import PortSIPLib, _args
from portsip.events import RecvInfo
from portsip.testing import StubControl

HUGE_INT = 10**400  # no float can hold it: float(HUGE_INT) raises OverflowError


@pytest.mark.parametrize("value", [HUGE_INT, math.inf, 1e10, 2**63], ids=["10**400", "inf", "1e10", "2**63"])
def test_a_timeout_beyond_what_the_os_can_wait_for_means_no_limit(value: float) -> None:
    assert _args.timeout("timeout", value) is None


def test_a_huge_duration_is_infinite_where_no_maximum_applies() -> None:
    assert _args.seconds("backlog_seconds", HUGE_INT) == math.inf
    assert _args.seconds("backlog_seconds", math.inf) == math.inf


@pytest.mark.parametrize("value", [HUGE_INT, math.inf, -HUGE_INT, math.nan], ids=["10**400", "inf", "-10**400", "nan"])
def test_a_duration_beyond_its_maximum_is_a_value_error(value: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 5"):
        _args.seconds("delay", value, maximum=5)


@pytest.mark.parametrize("value", [10**5000, -(10**5000)], ids=["positive", "negative"])
def test_an_int_too_long_to_print_still_gets_its_own_message(value: int) -> None:
    # str() refuses ints of more than 4300 digits: the message gives the size instead
    with pytest.raises(ValueError, match="between 0 and 5 seconds, got an int of 16610 bits"):
        _args.seconds("delay", value, maximum=5)
    with pytest.raises(ValueError, match="got an int of 16610 bits"):
        _args.integer("session_id", value, "long")
    with pytest.raises(ValueError, match="must be at least -1, got an int of 16610 bits"):
        _args.bounded("device_index", -abs(value), minimum=-1)


def test_the_public_api_takes_huge_timeouts(portsip_stub_library: str) -> None:
    with PortSIPLib(portsip_stub_library, backlog_seconds=HUGE_INT) as lib:
        lib.initialize(local_sip_port=0)
        StubControl(lib).emit(RecvInfo("now"))
        assert lib.wait_for(RecvInfo, timeout=HUGE_INT) == RecvInfo("now")
        lib.drain(timeout=HUGE_INT)
        with pytest.raises(ValueError):  # a receipt must end: its timeout has a maximum
            lib.send_text("sip:bob@example.com", "x", timeout=HUGE_INT)
