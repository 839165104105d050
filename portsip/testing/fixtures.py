"""Pytest fixtures for testing code that uses portsip: on the stub library, and on the wire.

Installing portsip registers this module with pytest (entry point ``pytest11``): the fixtures
are there in every test, with no ``pytest_plugins`` line (``-p no:portsip.testing.fixtures``
turns them off).

On the in-process stub: ``portsip_lib`` is an initialized PortSIPLib whose user is
alice@example.com; ``portsip_lib_factory(user)`` makes more (e.g. bob) that reach each other by SIP
URI; ``stub_control`` drives the stub behind ``portsip_lib``.

On the wire (real SIP over UDP or TCP on 127.0.0.1; see docs/testing-real-server.md): ``kamailio``
is a fresh Kamailio server for the test (``kamailio_auth`` one that asks for digest authentication,
with the users of :data:`TEST_USERS`), ``wire_lib_factory(user, server=..., transport=...)`` makes
instances on the wire stub, and ``sipp(scenario, ...)`` runs a SIPp scenario. A part that is not
installed skips the test with a reason that says what to install; with ``PORTSIP_REQUIRE_WIRE=1``
(set it in CI) it fails the test instead.

At teardown every instance is closed and :meth:`~portsip.PortSIPLib.check_errors` re-raises what a
handler raised; servers and SIPp runs are stopped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn, Protocol

import pytest

from .._lib import PortSIPLib
from ..enums import TransportType
from . import DOMAIN, LibFactory, StubBuildError, StubControl, stub_library_path
from .servers import Kamailio, MissingTool, Sipp

#: Set to 1 where the wire parts must be there (CI): a missing one fails the test instead of skipping it.
REQUIRE_WIRE = "PORTSIP_REQUIRE_WIRE"
#: The users (and passwords) the ``kamailio_auth`` server knows.
TEST_USERS = {"alice": "alice-secret", "bob": "bob-secret", "carol": "carol-secret", "dave": "dave-secret"}


def unavailable(reason: str) -> NoReturn:
    """Skip the test because a wire part is missing, or fail it where PORTSIP_REQUIRE_WIRE=1."""
    if os.environ.get(REQUIRE_WIRE) == "1":
        pytest.fail(f"{reason} ({REQUIRE_WIRE}=1: the wire tests must run here)", pytrace=False)
    pytest.skip(reason)


def _close(made: list[PortSIPLib]) -> None:
    """A factory's teardown: every instance closed, then what their handlers raised re-raised."""
    for lib in made:
        lib.close()
    for lib in made:
        lib.check_errors()


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
    _close(made)


@pytest.fixture
def portsip_lib(portsip_lib_factory: LibFactory) -> PortSIPLib:
    """An initialized PortSIPLib on the stub, user alice@example.com ("Alice")."""
    return portsip_lib_factory("alice")


@pytest.fixture
def stub_control(portsip_lib: PortSIPLib) -> StubControl:
    """The stub's control API for ``portsip_lib``."""
    return StubControl(portsip_lib)


# ---- on the wire ---------------------------------------------------------------------------------


class WireLibFactory(Protocol):
    """The type of the ``wire_lib_factory`` fixture: makes initialized users on the wire stub."""

    def __call__(
        self,
        user_name: str = "alice",
        *,
        server: Kamailio | None = None,
        transport: str = "udp",
        display_name: str | None = None,
        password: str | None = None,
    ) -> PortSIPLib: ...


class SippFactory(Protocol):
    """The type of the ``sipp`` fixture: runs one SIPp scenario (see :meth:`Sipp.start`)."""

    def __call__(
        self, scenario: str, *, remote: str | None = None, transport: str = "udp", code: int = 200, reason: str = "OK", **options: object
    ) -> Sipp: ...


@pytest.fixture(scope="session")
def portsip_wire_library() -> str:
    """The wire stub's path (built once if needed; needs libre-dev, libexpat1-dev and pkg-config)."""
    try:
        return stub_library_path(wire=True)
    except StubBuildError as exc:
        unavailable(str(exc))


def _kamailio(directory: Path, users: dict[str, str] | None) -> Iterator[Kamailio]:
    try:
        server = Kamailio.start(directory, users=users)
    except MissingTool as exc:
        unavailable(str(exc))
    with server:
        yield server


@pytest.fixture
def kamailio(tmp_path: Path) -> Iterator[Kamailio]:
    """A fresh Kamailio on 127.0.0.1 (UDP and TCP, one port) for this test: registrar, MESSAGE relay and
    presence server for the domain example.test, no authentication."""
    yield from _kamailio(tmp_path / "kamailio", None)


@pytest.fixture
def kamailio_auth(tmp_path: Path) -> Iterator[Kamailio]:
    """A fresh Kamailio like ``kamailio`` that asks for digest authentication: its users and passwords are
    :data:`TEST_USERS` (``server.users``); a wrong password gets 403."""
    yield from _kamailio(tmp_path / "kamailio-auth", dict(TEST_USERS))


@pytest.fixture
def sipp(tmp_path: Path) -> Iterator[SippFactory]:
    """Run SIPp scenarios: ``sipp("uas_message", code=486, reason="Busy Here")`` (see :class:`Sipp`);
    each is stopped at teardown if it has not ended."""
    started: list[Sipp] = []

    def factory(scenario: str, **options: object) -> Sipp:
        try:
            run = Sipp.start(scenario, tmp_path / f"sipp-{len(started)}", **options)  # type: ignore[arg-type]
        except MissingTool as exc:
            unavailable(str(exc))
        started.append(run)
        return run

    yield factory
    for run in started:
        run.stop()


@pytest.fixture
def wire_lib_factory(portsip_wire_library: str) -> Iterator[WireLibFactory]:
    """Make PortSIPLib instances on the wire stub, bound to 127.0.0.1 on a free port:
    ``wire_lib_factory("bob", server=kamailio, transport="tcp")`` is bob@<its domain> with that server
    as registrar and proxy (and his password from ``server.users``); without a server, a P2P user whose
    address is :func:`~portsip.testing.peer_uri`."""
    made: list[PortSIPLib] = []

    def factory(
        user_name: str = "alice",
        *,
        server: Kamailio | None = None,
        transport: str = "udp",
        display_name: str | None = None,
        password: str | None = None,
    ) -> PortSIPLib:
        if transport not in ("udp", "tcp"):
            raise ValueError(f"transport must be 'udp' or 'tcp', not {transport!r}")
        lib = PortSIPLib(portsip_wire_library)
        made.append(lib)
        lib.initialize(TransportType.TCP if transport == "tcp" else TransportType.UDP, local_ip="127.0.0.1", local_sip_port=0)
        display = user_name.title() if display_name is None else display_name
        if server is None:
            lib.set_user(user_name, display_name=display, password=password or "")
        else:
            secret = server.users.get(user_name, "") if password is None else password
            lib.set_user(user_name, display_name=display, auth_name=user_name, password=secret, sip_domain=server.domain,
                         sip_server_addr=server.host, sip_server_port=server.port)  # fmt: skip
        return lib

    yield factory
    _close(made)
