"""The stub's own contract, checked through the raw C ABI (no binding in between)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from support import forks_while_threads_run

from portsip import PortSIPLib, events
from portsip._loader import load_library
from portsip.testing import StubControl

import abi

CODES = abi.parse_enum_values(abi.read(abi.ERRORS_HEADER))


@pytest.fixture
def raw(portsip_stub_library: str) -> Any:
    loaded = load_library(portsip_stub_library)
    return loaded.ffi, loaded.lib


def test_callbacks_come_from_a_stub_thread_after_the_call_returned(raw: Any) -> None:
    ffi, lib = raw
    inside_call = threading.Event()
    seen: list[tuple[int, bool]] = []
    fired = threading.Event()

    @ffi.callback("registerSuccessHandler")
    def on_register(index: int, obj: int, text: Any, code: int, message: Any) -> int:
        seen.append((threading.get_ident(), inside_call.is_set()))
        fired.set()
        return 0

    dispatcher = lib.PSCallback_createCallbackDispatcher()
    lib.PSCallback_setRegisterSuccessHandler(dispatcher, on_register, 3, 4)
    error = ffi.new("int*")
    sdk = lib.PortSIP_initialize(dispatcher, 0, b"127.0.0.1", 0, -1, b"", 1, b"t", 0, 0, b"", b"", False, error)
    assert sdk != ffi.NULL and error[0] == 0
    assert lib.PortSIP_setUser(sdk, b"u", b"", b"", b"", b"", b"", 0, b"", 0, b"", 0) == 0
    inside_call.set()
    assert lib.PortSIP_registerServer(sdk, 60, 0) == 0
    inside_call.clear()
    assert fired.wait(5)
    lib.PortSIP_unInitialize(sdk)
    lib.PSCallback_releaseCallbackDispatcher(dispatcher)
    [(thread, during_call)] = seen
    assert thread != threading.get_ident()
    assert not during_call


def test_misuse_gives_vendor_codes_not_crashes(raw: Any) -> None:
    ffi, lib = raw
    error = ffi.new("int*")
    assert lib.PortSIP_initialize(ffi.NULL, 0, b"", 0, -1, b"", 1, b"", 0, 0, b"", b"", False, error) == ffi.NULL
    assert error[0] == CODES["ECoreArgumentNull"]
    assert lib.PortSIP_setLicenseKey(ffi.NULL, b"k") == CODES["ECoreSDKObjectNull"]
    dispatcher = lib.PSCallback_createCallbackDispatcher()
    sdk = lib.PortSIP_initialize(dispatcher, 0, b"", 0, -1, b"", 1, b"", 0, 0, b"", b"", False, error)
    assert lib.PortSIP_setLicenseKey(sdk, ffi.NULL) == CODES["ECoreArgumentNull"]
    assert lib.PortSIP_registerServer(sdk, 60, 0) == CODES["ECoreUserNameAuthNameEmpty"]
    assert lib.PortSIP_sendOutOfDialogMessage(sdk, ffi.NULL, b"text", b"plain", False, b"x", 1) == CODES["ECoreArgumentNull"]
    assert lib.PortSIP_sendOutOfDialogMessage(sdk, b"sip:a@b", b"text", b"plain", False, ffi.NULL, 5) == CODES["ECoreArgumentIncorrect"]
    assert lib.PortSIP_presenceAcceptSubscribe(sdk, 1) == CODES["ECoreNotFoundSubscribeId"]
    assert lib.PortSIP_getVersion(sdk, ffi.NULL, ffi.NULL) == CODES["ECoreArgumentNull"]
    lib.PortSIP_unInitialize(sdk)
    # A stale handle is recognised, not dereferenced.
    assert lib.PortSIP_setLicenseKey(sdk, b"k") == CODES["ECoreNotInitialized"]
    lib.PortSIP_unInitialize(sdk)
    lib.PortSIP_terminateSubscription(sdk, 1)
    lib.PSCallback_releaseCallbackDispatcher(dispatcher)
    lib.PSCallback_releaseCallbackDispatcher(ffi.NULL)


def test_injected_call_events_open_and_close_sessions(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.emit(events.InviteConnected(555))
    portsip_lib.wait_for(events.InviteConnected)
    message_id = portsip_lib.send_message(555, "text", "plain", b"in call")
    assert portsip_lib.wait_for(events.SendMessageSuccess).message_id == message_id
    stub_control.emit(events.InviteClosed(555))
    portsip_lib.wait_for(events.InviteClosed)
    with pytest.raises(LookupError):
        portsip_lib.send_message(555, "text", "plain", b"after hang-up")


def test_injected_registration_events(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.emit(events.RegisterFailure("Service Unavailable", 503, None), delay=0.05)  # type: ignore[arg-type]
    event = portsip_lib.wait_for(events.RegisterFailure)
    assert (event.status_text, event.status_code, event.sip_message) == ("Service Unavailable", 503, "")


def test_sms_flag_and_body_are_recorded(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    portsip_lib.send_out_of_dialog_message("sip:+15550100@example.com", "text", "plain", b"SMS \x00 body", is_sms=True)
    [call] = stub_control.calls_to("PortSIP_sendOutOfDialogMessage")
    assert call.args["isSMS"] is True and call.args["message"] == b"SMS \x00 body" and call.args["messageLength"] == 10
    stub_control.clear_calls()
    assert stub_control.calls == []


def test_the_in_process_stub_reports_the_port_it_was_given_and_takes_scripts(portsip_stub_library: str) -> None:
    with PortSIPLib(portsip_stub_library) as lib:
        lib.initialize(local_sip_port=5099)
        control = StubControl(lib)
        assert not control.wire
        assert control.local_sip_port == 5099
        control.fail_next_register(403, "Forbidden")  # in process, scripts apply


def test_close_while_a_handler_is_running(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    started = threading.Event()
    portsip_lib.on(events.RecvInfo, lambda e: (started.set(), time.sleep(0.3)))
    stub_control.emit(events.RecvInfo("x"))
    assert started.wait(5)
    began = time.monotonic()
    portsip_lib.close()
    assert time.monotonic() - began < 5


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda c: c.fail_next_send(200, "OK"), ValueError),
        (lambda c: c.fail_next_send("486", "Busy"), TypeError),
        (lambda c: c.fail_next_send(486, None), TypeError),
        (lambda c: c.fail_next_send(486, "Busy", delay=-1), ValueError),
        (lambda c: c.fail_next_send(486, "Busy", delay="1"), TypeError),
        (lambda c: c.fail_next_register(99, "x"), ValueError),
        (lambda c: c.fail_next_register(403, b"Forbidden"), TypeError),
        (lambda c: c.script_next_send(700), ValueError),
        (lambda c: c.emit(events.RecvInfo("x"), delay=float("nan")), ValueError),
        (lambda c: c.emit(events.RecvMessage(1, "t", "p", b"x"), data_length="3"), TypeError),
        (lambda c: c.emit(events.RecvMessage(1, "t", "p", "str body")), TypeError),
        (lambda c: c.emit(events.RecvMessage(None, "t", "p", b"")), TypeError),
    ],
)
def test_stub_control_rejects_bad_input(stub_control: StubControl, call: Callable[[StubControl], object], error: type) -> None:
    with pytest.raises(error):
        call(stub_control)


def test_stub_control_needs_an_initialized_stub_lib(portsip_stub_library: str) -> None:
    with pytest.raises(TypeError):
        StubControl("lib")  # type: ignore[arg-type]
    with PortSIPLib(portsip_stub_library) as lib, pytest.raises(Exception, match="initialize"):
        StubControl(lib).open_session()
    with pytest.raises(Exception, match="closed"):
        StubControl(lib).open_session()


def test_call_functions_give_vendor_codes_for_what_python_never_sends(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    """NULLs and out-of-range values the binding refuses itself still get the vendor's codes in C."""
    c, sdk, null = portsip_lib._c, portsip_lib.sdk_handle, portsip_lib._ffi.NULL
    session = stub_control.open_session()
    stub_control.emit(events.InviteIncoming(77, "", "sip:x@pbx", "", "", "", "", True, False, ""))
    portsip_lib.wait_for(events.InviteIncoming)
    results = {
        "call NULL": (c.PortSIP_call(sdk, null, True, False), "ECoreArgumentNull"),
        "reject with 200": (c.PortSIP_rejectCall(sdk, 77, 200), "ECoreArgumentIncorrect"),
        "tone 17": (c.PortSIP_sendDtmf(sdk, session, 0, 17, 160, True), "ECoreWrongDTMFTone"),
        "tone -1": (c.PortSIP_sendDtmf(sdk, session, 0, -1, 160, True), "ECoreWrongDTMFTone"),
        "DTMF method 2": (c.PortSIP_sendDtmf(sdk, session, 2, 1, 160, True), "ECoreArgumentIncorrect"),
        "DTMF of no length": (c.PortSIP_sendDtmf(sdk, session, 0, 1, 0, True), "ECoreArgumentIncorrect"),
        "timer 89 s": (c.PortSIP_enableSessionTimer(sdk, 89, 0), "ECoreSessionTimerValueTooSmall"),
        "refresh mode 4": (c.PortSIP_enableSessionTimer(sdk, 90, 4), "ECoreArgumentIncorrect"),
        "INFO NULL": (c.PortSIP_sendInfo(sdk, session, b"text", null, b"x"), "ECoreArgumentNull"),
        "OPTIONS NULL": (c.PortSIP_sendOptions(sdk, null, null), "ECoreArgumentNull"),
        "forward NULL": (c.PortSIP_forwardCall(sdk, 77, null), "ECoreArgumentNull"),
        "forward all NULL": (c.PortSIP_enableCallForward(sdk, False, null), "ECoreArgumentNull"),
        "pickup NULL": (c.PortSIP_pickupBLFCall(sdk, null, False), "ECoreArgumentNull"),
        "refer NULL": (c.PortSIP_refer(sdk, session, null), "ECoreArgumentNull"),
        "attendedRefer2 NULL": (c.PortSIP_attendedRefer2(sdk, session, 77, null, b"t", b"r"), "ECoreArgumentNull"),
        "out of dialog NULL": (c.PortSIP_outOfDialogRefer(sdk, session, b"INVITE", null, b"r"), "ECoreArgumentNull"),
        "acceptRefer NULL": (c.PortSIP_acceptRefer(sdk, 1, null), "ECoreArgumentNull"),
        "display name NULL": (c.PortSIP_setDisplayName(sdk, null), "ECoreArgumentNull"),
        "instance id NULL": (c.PortSIP_setInstanceId(sdk, null), "ECoreArgumentNull"),
        "video conference 0 high": (c.PortSIP_createVideoConference(sdk, null, 320, 0, False), "ECoreArgumentIncorrect"),
    }
    assert {what: CODES[name] for what, (_, name) in results.items()} == {what: rc for what, (rc, _) in results.items()}
    # OPTIONS with a NULL sdp is fine: the body is optional.
    assert c.PortSIP_sendOptions(sdk, b"sip:nobody@example.com", null) == 0


def test_call_functions_on_a_stale_handle(raw: Any) -> None:
    ffi, lib = raw
    dispatcher = lib.PSCallback_createCallbackDispatcher()
    error = ffi.new("int*")
    sdk = lib.PortSIP_initialize(dispatcher, 0, b"", 0, -1, b"", 1, b"", 0, 0, b"", b"", False, error)
    lib.PortSIP_unInitialize(sdk)
    assert lib.PortSIP_call(sdk, b"sip:bob@example.com", True, False) == CODES["ECoreNotInitialized"]
    assert lib.PortSIP_acceptRefer(sdk, 1, b"") == CODES["ECoreNotInitialized"]
    assert lib.PortSIP_joinToConference(ffi.NULL, 1) == CODES["ECoreSDKObjectNull"]
    lib.PortSIP_setDoNotDisturb(sdk, True)  # void: nothing to report, nothing to crash
    lib.PortSIP_destroyConference(sdk)
    lib.PortSIP_removeUser(ffi.NULL)
    lib.PSCallback_releaseCallbackDispatcher(dispatcher)


# A child forked while other threads of the parent are inside the stub (holding its locks) must be able to
# use the stub: it once hung in PSCallback_createCallbackDispatcher / PortSIP_initialize on a lock another
# thread held at fork time (15 of 40 forks under this load before the fix). The first hung child fails the run.
FORK_WHILE_BUSY = r"""
import os, sys, threading, time
from cffi import FFI

ffi = FFI()
ffi.cdef('''
void* PSCallback_createCallbackDispatcher(void);
void PSCallback_releaseCallbackDispatcher(void* callbackDispatcher);
void* PortSIP_initialize(void* callbackDispatcher, int transportType, const char* localIp, int localSIPPort,
    int logLevel, const char* logFilePath, int maxCallSessions, const char* sipAgentString, int audioDeviceLayer,
    int videoDeviceLayer, const char* TLSCertificatesRootPath, const char* TLSCipherList, bool verifyTLSCertificate,
    int* errorCode);
void PortSIP_unInitialize(void* sdk);
int PortSIP_setLicenseKey(void* sdk, const char* key);
int PortSIP_setUser(void* sdk, const char* userName, const char* displayName, const char* authName,
    const char* password, const char* sipDomain, const char* sipServerAddr, int sipServerPort,
    const char* stunServerAddr, int stunServerPort, const char* outboundServerAddr, int outboundServerPort);
int PortSIP_registerServer(void* sdk, int regExpires, int retryTimes);
''')
lib = ffi.dlopen(sys.argv[1])
forks = int(sys.argv[2])

def new_instance():
    dispatcher = lib.PSCallback_createCallbackDispatcher()
    error = ffi.new("int*")
    sdk = lib.PortSIP_initialize(dispatcher, 0, b"127.0.0.1", 0, -1, b"", 1, b"t", 0, 0, b"", b"", False, error)
    return dispatcher, sdk

dispatcher, sdk = new_instance()
lib.PortSIP_setUser(sdk, b"alice", b"", b"", b"", b"example.com", b"", 0, b"", 0, b"", 0)
stop = threading.Event()

def calls():  # stub calls with the GIL released: a fork often lands inside one, under the registry lock
    while not stop.is_set():
        lib.PortSIP_setLicenseKey(sdk, b"key")

def events():  # the stub's worker fires these on its own thread, under its queue and dispatcher locks
    while not stop.is_set():
        lib.PortSIP_registerServer(sdk, 60, 0)
        time.sleep(0.0005)

def lifecycles():  # instances and dispatchers come and go
    while not stop.is_set():
        d, s = new_instance()
        lib.PortSIP_unInitialize(s)
        lib.PSCallback_releaseCallbackDispatcher(d)

threads = [threading.Thread(target=f) for f in (calls, events, lifecycles)]
for thread in threads:
    thread.start()
outcome = "ok"
for n in range(forks):
    pid = os.fork()
    if pid == 0:  # the child: a new instance works, and the parent's handle is not initialized here
        d, s = new_instance()
        ok = s != ffi.NULL and lib.PortSIP_setLicenseKey(s, b"child") == 0 and lib.PortSIP_setLicenseKey(sdk, b"x") != 0
        lib.PortSIP_unInitialize(s)
        lib.PSCallback_releaseCallbackDispatcher(d)
        os._exit(0 if ok else 1)
    deadline = time.monotonic() + 5
    while not os.waitpid(pid, os.WNOHANG)[0] and time.monotonic() < deadline:
        time.sleep(0.001)
    try:
        os.kill(pid, 9)  # still there: it hangs
        os.waitpid(pid, 0)
        outcome = f"child {n} hung"
        break
    except ProcessLookupError:
        pass
stop.set()
for thread in threads:
    thread.join()
lib.PortSIP_unInitialize(sdk)
print(outcome)
"""


@forks_while_threads_run
def test_a_child_forked_while_other_threads_are_inside_the_stub_can_use_it(portsip_stub_library: str) -> None:
    result = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", FORK_WHILE_BUSY, portsip_stub_library, "100"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.stdout.strip() == "ok", result.stdout + result.stderr
