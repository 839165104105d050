"""Whole-process behaviour that can crash or hang, run in a subprocess with a timeout."""

from __future__ import annotations

import os

import pytest
from support import run_python as run


def test_exit_without_close_while_events_fly(portsip_stub_library: str) -> None:
    code = """
        import time
        from portsip import PortSIPLib, events
        from portsip.testing import StubControl, stub_library_path

        libs = []
        for user in ("alice", "bob"):
            lib = PortSIPLib(stub_library_path())
            lib.initialize()
            lib.set_user(user, sip_domain="example.com")
            lib.on(events.Event, lambda e: time.sleep(0.001))  # a slow handler, still busy at exit
            libs.append(lib)
        control = StubControl(libs[0])
        for i in range(500):  # about 1 s of handler work left at exit, still arriving from SDK threads
            control.emit(events.RecvInfo(f"info {i}"), delay=(i % 50) / 1000)
            libs[1].send_out_of_dialog_message("sip:alice@example.com", "text", "plain", b"x" * 100)
        print("exiting")
        # falls off the end: the atexit hook must stop the SDK threads before finalization
    """
    for _ in range(3):
        result = run(code, portsip_stub_library)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "exiting"
        assert "Fatal Python error" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr


def test_close_from_a_handler_does_not_deadlock(portsip_stub_library: str) -> None:
    code = """
        import threading
        from portsip import PortSIPLib, events
        from portsip.testing import StubControl, stub_library_path

        lib = PortSIPLib(stub_library_path())
        lib.initialize()
        done = threading.Event()
        def closer(event):
            lib.close()
            done.set()
        lib.on(events.RecvInfo, closer)
        StubControl(lib).emit(events.RecvInfo("bye"))
        assert done.wait(10)
        assert lib.closed
        print("ok")
    """
    result = run(code, portsip_stub_library)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_the_child_of_a_fork_cannot_use_the_parents_instance(portsip_stub_library: str) -> None:
    code = """
        import os
        from portsip import PortSIPLib, InvalidStateError
        from portsip.testing import stub_library_path

        lib = PortSIPLib(stub_library_path())
        lib.initialize()
        pid = os.fork()
        if pid == 0:
            try:
                lib.set_license_key("x")
            except InvalidStateError:
                os._exit(0)
            os._exit(1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        lib.set_license_key("still works in the parent")
        lib.close()
        print("ok")
    """
    result = run(code, portsip_stub_library)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_receipts_after_fork_and_pending_at_exit(portsip_stub_library: str) -> None:
    """A forked child cannot wait for the parent's receipt (no router there: it would never end);
    receipts still pending at interpreter exit neither hang nor crash it."""
    code = """
        import os
        from portsip import PortSIPLib, InvalidStateError
        from portsip.testing import StubControl, stub_library_path

        lib = PortSIPLib(stub_library_path())
        lib.initialize()
        lib.set_user("alice", sip_domain="example.com")
        StubControl(lib).script_next_send(200, "OK", delay=0.5)
        receipt = lib.send_text("sip:alice@example.com", "to myself")
        pid = os.fork()
        if pid == 0:
            try:
                receipt.result()
            except InvalidStateError:
                os._exit(0)
            os._exit(1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert receipt.result().message_id == receipt.id
        StubControl(lib).script_next_send(200, "OK", delay=30)
        pending = lib.send_text("sip:alice@example.com", "never answered before exit")
        print("ok")
    """
    result = run(code, portsip_stub_library)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_close_while_many_native_threads_emit(portsip_stub_library: str) -> None:
    code = """
        import threading
        from portsip import PortSIPLib, events
        from portsip.testing import StubControl, stub_library_path

        for round in range(20):
            libs = [PortSIPLib(stub_library_path()) for _ in range(4)]
            for lib in libs:
                lib.initialize()
            controls = [StubControl(lib) for lib in libs]
            def emit(control):
                try:
                    for i in range(300):
                        control.emit(events.RecvInfo(str(i)))
                except Exception:
                    pass  # the instance closed under us: expected
            threads = [threading.Thread(target=emit, args=(c,)) for c in controls]
            for t in threads:
                t.start()
            for lib in libs:
                lib.close()
            for t in threads:
                t.join(10)
        print("ok")
    """
    result = run(code, portsip_stub_library, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_a_missing_event_queue_library_gives_a_clear_error(portsip_stub_library: str) -> None:
    code = """
        import threading
        import portsip, portsip.testing

        try:
            portsip.PortSIPLib(portsip.testing.stub_library_path())
        except portsip.LibraryLoadError as exc:
            assert "/no/such/libportsip_events.so" in str(exc), exc
        else:
            raise AssertionError("no error")
        assert threading.active_count() == 1, threading.enumerate()  # nothing left running
        print("ok")
    """
    result = run(code, portsip_stub_library, PORTSIP_EVENTS_LIBRARY="/no/such/libportsip_events.so")
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
