"""Shared fixtures: the stub library (built once per session) and PortSIPLib instances on it.

The public fixtures (portsip_lib, portsip_lib_factory, stub_control) come from
portsip.testing.fixtures, which installing portsip registers with pytest (the pytest11 entry
point): the same way licensees get them. pytester runs pytest on example test files.
"""

from __future__ import annotations

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
