"""Pytest fixtures for testing code that uses portsip, on the stub library.

Installing portsip registers this module with pytest (entry point ``pytest11``): the fixtures
are there in every test, with no ``pytest_plugins`` line (``-p no:portsip.testing.fixtures``
turns them off).

``portsip_lib`` is an initialized PortSIPLib whose user is alice@example.com;
``portsip_lib_factory(user)`` makes more (e.g. bob) that reach each other by SIP URI;
``stub_control`` drives the stub behind ``portsip_lib``. At teardown every instance is
closed and :meth:`~portsip.PortSIPLib.check_errors` re-raises what a handler raised.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .._lib import PortSIPLib
from . import DOMAIN, LibFactory, StubControl, stub_library_path


@pytest.fixture(scope="session")
def portsip_stub_library() -> str:
    """The stub library's path (built once if needed)."""
    return stub_library_path()


@pytest.fixture
def portsip_lib_factory(portsip_stub_library: str) -> Iterator[LibFactory]:
    """Make initialized PortSIPLib instances on the stub: ``factory("bob", display_name="Bob")``."""
    made: list[PortSIPLib] = []

    def factory(user_name: str = "alice", *, display_name: str | None = None, sip_domain: str = DOMAIN) -> PortSIPLib:
        lib = PortSIPLib(portsip_stub_library)
        made.append(lib)
        lib.initialize(local_sip_port=0)
        lib.set_user(user_name, display_name=user_name.title() if display_name is None else display_name, sip_domain=sip_domain)
        return lib

    yield factory
    for lib in made:
        lib.close()
    for lib in made:
        lib.check_errors()


@pytest.fixture
def portsip_lib(portsip_lib_factory: LibFactory) -> PortSIPLib:
    """An initialized PortSIPLib on the stub, user alice@example.com ("Alice")."""
    return portsip_lib_factory("alice")


@pytest.fixture
def stub_control(portsip_lib: PortSIPLib) -> StubControl:
    """The stub's control API for ``portsip_lib``."""
    return StubControl(portsip_lib)
