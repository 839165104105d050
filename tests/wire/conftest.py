"""The wire tests: the wire stub against real SIP parts on 127.0.0.1 (Kamailio, SIPp, PJSIP).

Every part is started by the tests (the fixtures of portsip.testing.fixtures, and the PJSIP peer here);
a part that is not installed skips the test (see the reason), or fails it with PORTSIP_REQUIRE_WIRE=1.
Their shared helpers are in wire_support.py.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator

import pytest
from wire_support import PjsipPeer

from portsip.testing.fixtures import unavailable

if sys.platform == "win32":  # the wire stub needs libre, which Windows does not have (docs/testing-real-server.md)
    collect_ignore_glob = ["test_wire_*.py"]


@pytest.fixture(params=["udp", "tcp"])
def transport(request: pytest.FixtureRequest) -> str:
    """Each wire test that takes it runs on UDP and on TCP."""
    return str(request.param)


@pytest.fixture
def pjsip(transport: str) -> Iterator[PjsipPeer]:
    """carol, a PJSIP client on 127.0.0.1 (P2P, no server), on the test's transport."""
    if importlib.util.find_spec("pjsua2") is None:  # not imported here: its bundled OpenSSL must not meet libre's
        unavailable("PJSIP's Python binding is not installed: pip install 'portsip[wire]' (pjsua2-python)")
    peer = PjsipPeer(transport)
    yield peer
    peer.close()

