"""SIP headers (added, modified, read out of a message) and network settings on the stub."""

from __future__ import annotations

from typing import Any

import pytest
from support import vendor_error

from portsip import InvalidArgumentError, NotFoundError, PortSIPLib, SipMessageType, SrtpPolicy
from portsip.testing import StubControl

INVITE = (
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1\r\n"
    "v: SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bK-2\r\n"
    "f: \"Alice\" <sip:alice@example.com>;tag=1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: 4711@192.0.2.10\r\n"
    "Subject: lunch\r\n"
    "  at noon,\r\n"
    "\ttomorrow\r\n"
    "X-Empty:\r\n"
    "X-Grüße :  Zoë \r\n"
    "Content-Length: 12\r\n"
    "\r\n"
    "Body: a line\r\n"
)



# ---- added and modified headers ----------------------------------------------------------------


def test_header_ids_and_their_removal(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    added = portsip_lib.add_sip_message_header(-1, "ALL", SipMessageType.BOTH, "X-Billing", "usd100.00")
    modified = portsip_lib.modify_sip_message_header(-1, "REGISTER", SipMessageType.REQUEST, "User-Agent", "Phone 2")
    second = portsip_lib.add_sip_message_header(stub_control.open_session(), "INVITE", SipMessageType.RESPONSE, "X-Id", "8873456")
    assert 0 < added < modified < second
    # An id names one header of one kind.
    vendor_error(lambda: portsip_lib.remove_added_sip_message_header(modified), "ECoreSipHeaderNotExist", NotFoundError)
    vendor_error(lambda: portsip_lib.remove_modified_sip_message_header(added), "ECoreSipHeaderNotExist", NotFoundError)
    portsip_lib.remove_added_sip_message_header(added)
    vendor_error(lambda: portsip_lib.remove_added_sip_message_header(added), "ECoreSipHeaderNotExist", NotFoundError)
    portsip_lib.clear_added_sip_message_headers()
    vendor_error(lambda: portsip_lib.remove_added_sip_message_header(second), "ECoreSipHeaderNotExist", NotFoundError)
    portsip_lib.remove_modified_sip_message_header(modified)  # clearing the added ones left it


def test_clearing_modified_headers(portsip_lib: PortSIPLib) -> None:
    ids = [portsip_lib.modify_sip_message_header(-1, "ALL", 3, name, "x") for name in ("Expires", "User-Agent")]
    portsip_lib.clear_modified_sip_message_headers()
    for header_id in ids:
        vendor_error(lambda header_id=header_id: portsip_lib.remove_modified_sip_message_header(header_id), "ECoreSipHeaderNotExist")


@pytest.mark.parametrize(
    "session_id, method_name, header_name, header_value, error",
    [
        (-1, "ALL", "", "1", "ECoreSipHeaderNameEmpty"),
        (-1, "ALL", "X-A", "", "ECoreSipHeaderValueEmpty"),
        (-1, "ALL", "X A", "1", "ECoreSipHeaderBadFormed"),
        (-1, "ALL", "X-A:", "1", "ECoreSipHeaderBadFormed"),
        (-1, "ALL", "X-A", "1\r\nX-Injected: 2", "ECoreSipHeaderBadFormed"),
        (-1, "", "X-A", "1", "ECoreArgumentIncorrect"),
    ],
)
@pytest.mark.parametrize("method", ["add_sip_message_header", "modify_sip_message_header"])
def test_header_misuse(
    portsip_lib: PortSIPLib, method: str, session_id: int, method_name: str, header_name: str, header_value: str, error: str
) -> None:
    call = getattr(portsip_lib, method)
    vendor_error(lambda: call(session_id, method_name, 1, header_name, header_value), error, InvalidArgumentError)


def test_a_header_for_one_call_needs_that_call(portsip_lib: PortSIPLib) -> None:
    vendor_error(lambda: portsip_lib.add_sip_message_header(77, "ALL", 3, "X-A", "1"), "ECoreInviteSessionNotFound", NotFoundError)


# ---- reading a header out of a message ---------------------------------------------------------


@pytest.mark.parametrize(
    "name, value",
    [
        ("Via", "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1"),  # the first of several
        ("v", "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1"),  # a compact form names the same header
        ("From", '"Alice" <sip:alice@example.com>;tag=1'),  # ... and is found by its full name
        ("to", "<sip:bob@example.com>"),  # names are case-insensitive
        ("i", "4711@192.0.2.10"),
        ("Subject", "lunch at noon, tomorrow"),  # folded lines join with one space
        ("X-Empty", ""),
        ("X-Grüße", "Zoë"),  # spaces around the colon and the value are not part of either
        ("CONTENT-LENGTH", "12"),
    ],
)
def test_header_values_from_a_message(portsip_lib: PortSIPLib, name: str, value: str) -> None:
    assert portsip_lib.get_sip_message_header_value(INVITE, name) == value


@pytest.mark.parametrize(
    "message, name, error, family",
    [
        (INVITE, "Body", "ECoreSipHeaderNotExist", NotFoundError),  # below the blank line: the body
        (INVITE, "INVITE sip", "ECoreSipHeaderNotExist", NotFoundError),  # the request line is no header
        (INVITE, "Call", "ECoreSipHeaderNotExist", NotFoundError),
        ("", "Via", "ECoreSipMessaegEmpty", InvalidArgumentError),
        (INVITE, "", "ECoreSipHeaderNameEmpty", InvalidArgumentError),
    ],
)
def test_missing_headers_and_empty_input(portsip_lib: PortSIPLib, message: str, name: str, error: str, family: type) -> None:
    vendor_error(lambda: portsip_lib.get_sip_message_header_value(message, name), error, family)


def test_bare_line_feeds_and_long_values(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    long_value = "x" * 5000
    message = f"SIP/2.0 200 OK\nCSeq: 2 REGISTER\nX-Long: {long_value}\n\n"
    assert portsip_lib.get_sip_message_header_value(message, "cseq") == "2 REGISTER"
    assert portsip_lib.get_sip_message_header_value(message, "X-Long") == long_value
    call = stub_control.calls[-1]
    assert call.args["headerName"] == "X-Long" and call.args["headerValueLength"] > 5000 and call.args["sipMessage"] == message


def test_signaling_callbacks_switch(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    portsip_lib.enable_callback_signaling(True, False)
    assert stub_control.calls[-1].args == {"enableSending": True, "enableReceived": False}


# ---- network ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ports, error",
    [
        ((0, 10100, 20000, 20100), "ECoreMiniAudioPortOutOfRange"),
        ((10000, 0, 20000, 20100), "ECoreMaxAudioPortOutOfRange"),
        ((10000, 10100, 0, 20100), "ECoreMiniVideoPortOutOfRange"),
        ((10000, 10100, 20000, 0), "ECoreMaxVideoPortOutOfRange"),
        ((10001, 10100, 20000, 20100), "ECoreMiniAudioPortNotEvenNumber"),
        ((10000, 10101, 20000, 20100), "ECoreMaxAudioPortNotEvenNumber"),
        ((10000, 10100, 20001, 20100), "ECoreMiniVideoPortNotEvenNumber"),
        ((10000, 10100, 20000, 20101), "ECoreMaxVideoPortNotEvenNumber"),
        ((10000, 10002, 20000, 20100), "ECoreAudioVideoPortRangeTooSmall"),
        ((10100, 10000, 20000, 20100), "ECoreAudioVideoPortRangeTooSmall"),
        ((10000, 20000, 19000, 30000), "ECoreAudioVideoPortOverlapped"),
    ],
)
def test_rtp_port_range_rules(portsip_lib: PortSIPLib, ports: tuple[int, int, int, int], error: str) -> None:
    vendor_error(lambda: portsip_lib.set_rtp_port_range(*ports), error, InvalidArgumentError)


def test_rtcp_ports_may_be_odd(portsip_lib: PortSIPLib) -> None:
    portsip_lib.set_rtcp_port_range(10001, 10101, 20001, 20101)  # RTCP takes the odd port above RTP
    vendor_error(lambda: portsip_lib.set_rtcp_port_range(10001, 20001, 20001, 30001), "ECoreAudioVideoPortOverlapped")


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda lib: lib.set_keep_alive_time(-1), "ECoreArgumentIncorrect"),
        (lambda lib: lib.set_rtp_keep_alive(True, 128, 30000), "ECorePayloadOutofRange"),
        (lambda lib: lib.set_rtp_keep_alive(True, 126, 0), "ECoreArgumentIncorrect"),
    ],
)
def test_keep_alive_misuse(portsip_lib: PortSIPLib, call: Any, error: str) -> None:
    vendor_error(lambda: call(portsip_lib), error, InvalidArgumentError)


def test_keep_alives_and_srtp(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    portsip_lib.set_keep_alive_time(0)  # disables
    portsip_lib.set_rtp_keep_alive(False, -1, 0)  # switching off ignores the rest
    portsip_lib.set_srtp_policy(SrtpPolicy.FORCE, True)
    assert stub_control.calls[-1].args == {"srtpPolicy": 1, "AllowSrtpOverUnsecureTransport": True}


def test_network_interfaces_before_initialize(portsip_stub_library: str) -> None:
    with PortSIPLib(portsip_stub_library) as lib:
        count = lib.get_nic_nums()
        assert count == 2
        assert [lib.get_local_ip_address(i) for i in range(count)] == ["192.0.2.10", "2001:db8::10"]
        vendor_error(lambda: lib.get_local_ip_address(count), "ECoreNetworkInterfaceUnavailable", NotFoundError)
        lib.initialize(local_ip=lib.get_local_ip_address(0), local_sip_port=0)
        control = StubControl(lib)
        assert lib.get_nic_nums() == 2  # and after
        calls = control.process_calls[-2:]
        assert [(c.function, c.args) for c in calls] == [
            ("PortSIP_getLocalIpAddress", {"index": 0, "ipSize": 64}),
            ("PortSIP_getNICNums", {}),
        ]
        assert control.calls_to("PortSIP_getNICNums") == []  # no instance is involved
