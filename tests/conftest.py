"""Shared fixtures: the stub library (built once per session) and PortSIPLib instances on it.

The public fixtures (portsip_lib, portsip_lib_factory, stub_control) come from
portsip.testing.fixtures, which installing portsip registers with pytest (the pytest11 entry
point): the same way licensees get them. pytester runs pytest on example test files.
"""

from __future__ import annotations

pytest_plugins = ["pytester"]


def pytest_report_header() -> str:
    import portsip

    return f"portsip under test: {portsip.__file__}"
