"""registerServer answers with RegisterSuccess / RegisterFailure on the stub's thread."""

from __future__ import annotations

from portsip import PortSIPLib
from portsip.events import RegisterFailure, RegisterSuccess
from portsip.testing import StubControl


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
