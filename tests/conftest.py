"""Shared fixtures: the stub library (built once per session) and PortSIPLib instances on it.

The public fixtures (portsip_lib, portsip_lib_factory, stub_control) come from
portsip.testing.fixtures, which installing portsip registers with pytest (the pytest11 entry
point): the same way licensees get them. pytester runs pytest on example test files.
"""

from __future__ import annotations

import faulthandler
import os
from collections.abc import Iterator

import pytest

from portsip import PortSIPLib
from portsip.testing import LibFactory

pytest_plugins = ["pytester"]


@pytest.fixture
def bob(portsip_lib_factory: LibFactory) -> PortSIPLib:
    """bob@example.com on the stub, beside portsip_lib (alice)."""
    return portsip_lib_factory("bob")


@pytest.fixture
def carol(portsip_lib_factory: LibFactory) -> PortSIPLib:
    """carol@example.com on the stub."""
    return portsip_lib_factory("carol")


def pytest_report_header() -> str:
    import portsip

    return f"portsip under test: {portsip.__file__}"


#: Seconds a test may run: past it, every thread's stack is printed and the run ends (exit 1), so a hang
#: fails CI at once with the place it hangs, where pytest's own faulthandler_timeout only prints and waits.
TEST_TIME_LIMIT = float(os.environ.get("PORTSIP_TEST_TIME_LIMIT", "300"))
_stderr: list[int] = []  # the real stderr, kept from pytest_configure: while a test runs, pytest's capture holds fd 2


def pytest_configure() -> None:
    _stderr.append(os.dup(2))  # here capture is suspended (it is not while this file is imported)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    faulthandler.dump_traceback_later(TEST_TIME_LIMIT, exit=True, file=_stderr[0])
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
