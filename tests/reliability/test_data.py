"""Data: hypothesis over every field of all 40 events, injected from the stub's thread: each either
arrives exactly as sent (strings byte for byte, as UTF-8 with surrogateescape) or is refused with a
clean Python error before any C call (a NUL or a lone surrogate in a string, an int beyond its C type).

CI runs a deterministic profile (derandomized, 25 examples per event); with
PORTSIP_RELIABILITY=full, 300 random examples per event: 12,000 events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from reliability_support import FULL  # noqa: E402

from portsip import PortSIPLib  # noqa: E402
from portsip._args import C_RANGES  # noqa: E402
from portsip.events import EVENT_TYPES, Event  # noqa: E402
from portsip.testing import StubControl  # noqa: E402

settings.register_profile(
    "portsip-ci", max_examples=25, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "portsip-full", max_examples=300, database=None, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile("portsip-full" if FULL else "portsip-ci")


def integers(c_type: str, beyond: bool) -> st.SearchStrategy[int]:
    low, high = C_RANGES[c_type]  # long is 32-bit on Windows
    valid = st.one_of(st.integers(low, high), st.sampled_from([low, low + 1, -1, 0, 1, high - 1, high]))
    return st.one_of(valid, st.sampled_from([low - 1, high + 1, -(2**64), 2**64])) if beyond else valid  # beyond: ValueError


def strings(refused: bool) -> st.SearchStrategy[str | None]:
    valid = st.one_of(
        st.none(),  # a NULL pointer; arrives as ""
        st.text(),
        st.binary(max_size=64).map(lambda raw: raw.decode("utf-8", "surrogateescape")),  # any bytes, invalid UTF-8 too
    )
    if not refused:
        return valid
    return st.one_of(
        valid,
        st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=4),  # lone surrogates
        st.text(max_size=8).map(lambda s: s + "\0"),  # C strings cannot carry NUL
    )


def large_body(size: int, pattern: bytes) -> bytes:
    return (pattern * (size // len(pattern) + 1))[:size]


BODIES = st.one_of(
    st.none(),  # a NULL buffer; arrives as b""
    st.binary(max_size=256),
    st.builds(large_body, st.integers(0, 1024 * 1024), st.binary(min_size=1, max_size=16)),  # up to 1 MiB
)


def fields(refused: bool) -> dict[str, st.SearchStrategy[Any]]:
    return {"l": integers("long", refused), "i": integers("int", refused), "b": st.booleans(), "s": strings(refused), "d": BODIES}


def events_of(event_type: type[Event]) -> st.SearchStrategy[Event]:
    """Three in four events have only values C can carry; the others may have values it cannot."""
    names = [f.name for f in dataclasses.fields(event_type)]

    def build(choices: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Event]:
        return st.builds(event_type, **{n: choices[kind] for n, kind in zip(names, event_type.signature, strict=True)})

    valid = build(fields(refused=False))
    return st.one_of(valid, valid, valid, build(fields(refused=True)))


def c_string(value: str) -> bytes | None:
    """The bytes C would receive, or None if a C string cannot carry ``value``."""
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return None
    return None if b"\0" in raw else raw


def representable(event: Event) -> bool:
    for kind, field in zip(event.signature, dataclasses.fields(event), strict=True):
        value = getattr(event, field.name)
        if kind in "li" and not C_RANGES["long" if kind == "l" else "int"][0] <= value <= C_RANGES["long" if kind == "l" else "int"][1]:
            return False
        if kind == "s" and value is not None and c_string(value) is None:
            return False
    return True


@pytest.fixture(scope="module")
def libs(portsip_stub_library: str) -> Iterator[dict[str, tuple[PortSIPLib, StubControl]]]:
    """One instance for the whole module (hypothesis runs many examples per test)."""
    opened: dict[str, tuple[PortSIPLib, StubControl]] = {}
    yield opened
    for lib, _ in opened.values():
        lib.close()
        lib.check_errors()


def instance(libs: dict[str, tuple[PortSIPLib, StubControl]], library: str) -> tuple[PortSIPLib, StubControl]:
    if library not in libs:
        lib = PortSIPLib(library, max_pending_bytes=256 * 1024 * 1024, backlog_bytes=256 * 1024 * 1024)
        lib.initialize()
        libs[library] = (lib, StubControl(lib))
    return libs[library]


def round_trip(lib: PortSIPLib, control: StubControl, sent: Event) -> bool:
    """True if ``sent`` made the round trip, False if it was refused (as it had to be)."""
    if not representable(sent):
        with pytest.raises(ValueError):
            control.emit(sent)
        return False
    control.emit(sent)
    received = lib.wait_for(type(sent), timeout=30)
    for kind, field in zip(sent.signature, dataclasses.fields(sent), strict=True):
        value, got = getattr(sent, field.name), getattr(received, field.name)
        if kind == "s":
            assert got.encode("utf-8", "surrogateescape") == (c_string(value) if value is not None else b""), field.name
        elif kind == "d":
            assert got == (bytes(value) if value is not None else b""), field.name
        else:
            assert got == value and type(got) is type(value), field.name
    return True


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.__name__)
def test_every_field_round_trips_or_is_refused(
    libs: dict[str, tuple[PortSIPLib, StubControl]], portsip_stub_library: str, event_type: type[Event],
    figure: Callable[..., None],
) -> None:
    lib, control = instance(libs, portsip_stub_library)
    outcomes = {True: 0, False: 0}

    @PROFILE
    @given(events_of(event_type))
    def check(sent: Any) -> None:
        outcomes[round_trip(lib, control, sent)] += 1

    check()
    assert lib.stats["dropped_events"] == 0
    figure("events round-tripped exactly", outcomes[True], total="test_data")
    figure("events refused with ValueError", outcomes[False], total="test_data")
