"""registerServer answers with RegisterSuccess / RegisterFailure on the stub's thread; the account extras."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from portsip import PortSIPLib, SDKError
from portsip.events import InviteFailure, InviteIncoming, RegisterFailure, RegisterSuccess, SendOutOfDialogMessageFailure
from portsip.testing import StubCall, StubControl


def test_register_succeeds_after_the_call_returns(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    portsip_lib.register_server(reg_expires=90, retry_times=2)
    event = portsip_lib.wait_for(RegisterSuccess)
    assert (event.status_code, event.status_text) == (200, "OK")
    assert "alice" in event.sip_message
    assert stub_control.calls_to("PortSIP_registerServer")[0].args == {"regExpires": 90, "retryTimes": 2}
    portsip_lib.unregister_server()
    assert stub_control.calls[-1].function == "PortSIP_unRegisterServer"


def test_scripted_register_failure(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.fail_next_register(403, "Forbidden")
    portsip_lib.register_server()
    event = portsip_lib.wait_for((RegisterSuccess, RegisterFailure))  # whichever comes
    assert isinstance(event, RegisterFailure)
    assert (event.status_code, event.status_text) == (403, "Forbidden")
    portsip_lib.register_server()  # only the next registration was scripted
    assert portsip_lib.wait_for(RegisterSuccess).status_code == 200


def test_calls_are_recorded_in_order(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    portsip_lib.set_license_key("trial")
    assert portsip_lib.get_version() == (17, 1)
    portsip_lib.register_server()
    portsip_lib.wait_for(RegisterSuccess)
    functions = [c.function for c in stub_control.calls]
    assert functions[:4] == ["PortSIP_initialize", "PortSIP_setUser", "PortSIP_setLicenseKey", "PortSIP_getVersion"]


def test_refresh_registration_needs_a_registration(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    with pytest.raises(SDKError) as raised:
        portsip_lib.refresh_registration(60)
    assert raised.value.name == "ECoreNotRegistered"
    portsip_lib.register_server()
    portsip_lib.wait_for(RegisterSuccess)
    stub_control.fail_next_register(408, "Request Timeout")
    portsip_lib.refresh_registration(60)
    assert portsip_lib.wait_for(RegisterFailure).status_code == 408
    assert stub_control.calls_to("PortSIP_refreshRegistration")[-1].args == {"regExpires": 60}


def test_remove_user_makes_the_account_unreachable(portsip_lib: PortSIPLib, portsip_lib_factory: Callable[..., PortSIPLib]) -> None:
    bob = portsip_lib_factory("bob")
    portsip_lib.register_server()
    portsip_lib.wait_for(RegisterSuccess)
    portsip_lib.remove_user()
    assert not portsip_lib._registered  # close() has nothing left to unregister
    session = bob.call("sip:alice@example.com")
    failure = bob.wait_for(InviteFailure)
    assert (failure.session_id, failure.code) == (session, 404)
    bob.send_out_of_dialog_message("sip:alice@example.com", "text", "plain", b"?")
    assert bob.wait_for(SendOutOfDialogMessageFailure).code == 404
    portsip_lib.set_user("alice", sip_domain="example.com")
    bob.call("sip:alice@example.com")
    assert portsip_lib.wait_for(InviteIncoming).caller == "sip:bob@example.com"


def test_display_name_shows_in_what_others_receive(portsip_lib: PortSIPLib, portsip_lib_factory: Callable[..., PortSIPLib]) -> None:
    bob = portsip_lib_factory("bob")
    portsip_lib.set_display_name("Alice Liddell")
    portsip_lib.call("sip:bob@example.com")
    incoming = bob.wait_for(InviteIncoming)
    assert incoming.caller_display_name == "Alice Liddell"
    assert 'From: "Alice Liddell" <sip:alice@example.com>' in incoming.sip_message


def test_account_extras_are_recorded(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.clear_calls()
    portsip_lib.set_display_name("Alice")
    portsip_lib.set_instance_id("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
    portsip_lib.enable_auto_check_mwi(True)
    portsip_lib.remove_user()
    assert stub_control.calls == [
        StubCall("PortSIP_setDisplayName", {"displayName": "Alice"}),
        StubCall("PortSIP_setInstanceId", {"uuid": "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"}),
        StubCall("PortSIP_enableAutoCheckMwi", {"state": True}),
        StubCall("PortSIP_removeUser", {}),
    ]
    with pytest.raises(ValueError) as raised:
        portsip_lib.set_instance_id("")
    assert getattr(raised.value, "name", None) == "ECoreArgumentIncorrect"
