"""What the pytest fixtures and StubControl give a type checker."""

from __future__ import annotations

from typing_extensions import assert_type

from portsip import PortSIPLib
from portsip.events import RecvOutOfDialogMessage
from portsip.testing import LibFactory, StubCall, StubControl


def fixtures(portsip_lib: PortSIPLib, portsip_lib_factory: LibFactory, stub_control: StubControl) -> None:
    assert_type(portsip_lib_factory("bob", display_name="Bob"), PortSIPLib)
    portsip_lib_factory("bob", password="x")  # type: ignore[call-arg]
    portsip_lib_factory(42)  # type: ignore[arg-type]
    stub_control.emit(RecvOutOfDialogMessage("Bob", "sip:bob@example.com", "", "sip:alice@example.com", "text", "plain", b"hi"))
    stub_control.fail_next_send(486, "Busy Here", delay=0.1)
    assert_type(stub_control.calls_to("PortSIP_sendOutOfDialogMessage"), list[StubCall])

