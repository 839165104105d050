"""Helpers for the call tests: connect two instances by a real call on the stub, and settle queues."""

from __future__ import annotations

from portsip import PortSIPLib
from portsip.events import Event, InviteConnected, InviteIncoming
from portsip.testing import StubControl


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
