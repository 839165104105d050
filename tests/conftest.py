"""Shared fixtures: the stub library (built once per session) and PortSIPLib instances on it.

The public fixtures (portsip_lib, portsip_lib_factory, stub_control) come from
portsip.testing.fixtures, the same ones licensees use.
"""

from __future__ import annotations

pytest_plugins = ["portsip.testing.fixtures"]


def pytest_report_header() -> str:
    import portsip

    return f"portsip under test: {portsip.__file__}"
