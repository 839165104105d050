"""Helpers for the call tests: bob and carol, a real call between two instances, and settled queues.

The test modules import the fixtures from here (pytest finds fixtures in a module's namespace).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from portsip import PortSIPLib, SDKError
from portsip.events import Event, InviteConnected, InviteIncoming
from portsip.testing import StubCall, StubControl

BOB, CAROL = "sip:bob@example.com", "sip:carol@example.com"


def connect(caller: PortSIPLib, callee: PortSIPLib, to: str, *, video: bool = False) -> tuple[int, int]:
    """Call ``to`` (callee's URI) from caller, answer at callee: (caller's session id, callee's)."""
    session = caller.call(to, video_call=video)
    incoming = callee.wait_for(InviteIncoming)
    callee.answer_call(incoming.session_id, video_call=video)
    caller.wait_for(InviteConnected, predicate=lambda e: e.session_id == session)
    callee.wait_for(InviteConnected, predicate=lambda e: e.session_id == incoming.session_id)
    return session, incoming.session_id


def settle(*libs: PortSIPLib) -> None:
    """Every event the stub queued for these instances so far is fired and routed to wait_for.

    The stub queues all of a call's events while the API call runs, so after settle() an event
    that has not arrived will not arrive: ``wait_for(..., timeout=0)`` then proves its absence.
    """
    for lib in libs:
        StubControl(lib).wait_idle()
        lib.drain()


def absent(lib: PortSIPLib, event_type: type[Event], session_id: int | None = None) -> bool:
    """True when no unreturned ``event_type`` (for ``session_id``, if given) is in lib's backlog."""
    try:
        lib.wait_for(event_type, timeout=0, predicate=lambda e: session_id is None or getattr(e, "session_id", None) == session_id)
    except TimeoutError:
        return True
    return False


def vendor_code(call: Callable[[], object]) -> str | None:
    """The vendor's name of the code of the SDKError that ``call()`` must raise."""
    with pytest.raises(SDKError) as raised:
        call()
    return raised.value.name


def journal_of(control: StubControl, call: Callable[[], object]) -> list[StubCall]:
    """What the stub received while ``call()`` ran. An SDKError (e.g. no such session) is fine: the C
    call was made all the same, which is what the journal shows."""
    control.clear_calls()
    try:
        call()
    except SDKError:
        pass
    return control.calls
