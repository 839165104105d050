"""Bad input gives a Python exception before any C call; the lifecycle is enforced."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import VALID, VALID_BY_MODULE, WITHOUT_INITIALIZE, bad_values

import portsip._api
from portsip import (
    AlreadyInitializedError,
    ClosedError,
    LibraryLoadError,
    NotInitializedError,
    PortSIPError,
    PortSIPLib,
    events,
)
from portsip.testing import StubControl

LONG_MAX = 2**63 - 1 if sys.platform != "win32" else 2**31 - 1

def bad_cases() -> list[tuple[str, int, object, type]]:
    return [(method, position, b, e) for method, valid in VALID.items() for position, value in enumerate(valid)
            for b, e in bad_values(value)]


def _api_modules() -> dict[str, set[str]]:
    """portsip/_api/<module>.py -> the public methods its class defines."""
    modules = {}
    for info in pkgutil.iter_modules(portsip._api.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"portsip._api.{info.name}")
        classes = [c for c in vars(module).values() if inspect.isclass(c) and c.__module__ == module.__name__]
        modules[info.name] = {
            n for c in classes for n, v in vars(c).items() if inspect.isfunction(v) and not n.startswith("_") and n != "initialize"
        }
    return modules


def test_the_tables_cover_every_public_sdk_method() -> None:
    modules = _api_modules()
    assert set(modules) == set(VALID_BY_MODULE)
    for name, methods in modules.items():
        assert methods == set(VALID_BY_MODULE[name]), name
    sdk_methods = {
        name
        for name, member in inspect.getmembers(PortSIPLib, inspect.isfunction)
        if not name.startswith("_")
    } - {
        "initialize", "close", "on", "off", "attach", "detach", "wait_for", "wait_for_async", "async_events", "check_errors", "drain",
        "record",
    }  # fmt: skip
    assert sdk_methods == set(VALID)


@pytest.mark.parametrize("method, position, value, error", bad_cases())
def test_bad_argument_raises_before_any_c_call(
    portsip_lib: PortSIPLib, stub_control: StubControl, method: str, position: int, value: object, error: type
) -> None:
    args = list(VALID[method])
    args[position] = value
    before = len(stub_control.calls), len(stub_control.process_calls)
    with pytest.raises(error):
        getattr(portsip_lib, method)(*args)
    assert (len(stub_control.calls), len(stub_control.process_calls)) == before


@pytest.mark.parametrize(
    "method, args",
    [
        ("set_user", ("alice", "", "", "", "", "", 70000)),
        ("set_user", ("alice", "", "", "", "", "", -1)),
        ("register_server", (-1, 0)),
        ("set_presence_mode", (2,)),
        ("set_default_subscription_time", (-1,)),
        ("set_default_publication_time", (2**32,)),
        ("send_message", (LONG_MAX + 1, "text", "plain", b"")),
    ],
)
def test_out_of_range_values_raise_value_error(portsip_lib: PortSIPLib, method: str, args: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError):
        getattr(portsip_lib, method)(*args)


def test_initialize_arguments_are_checked(portsip_stub_library: str) -> None:
    with PortSIPLib(portsip_stub_library) as lib:
        for kwargs, error in [
            ({"transport": 9}, ValueError),
            ({"transport": "udp"}, TypeError),
            ({"log_level": 0}, ValueError),
            ({"local_ip": None}, TypeError),
            ({"local_sip_port": 65536}, ValueError),
            ({"max_call_sessions": 0}, ValueError),
            ({"verify_tls_certificate": "no"}, TypeError),
        ]:
            with pytest.raises(error):
                lib.initialize(**kwargs)
        lib.initialize()
        with pytest.raises(AlreadyInitializedError):
            lib.initialize()


def test_calls_before_initialize_raise_not_initialized(portsip_stub_library: str) -> None:
    with PortSIPLib(portsip_stub_library) as lib:
        for method, args in VALID.items():
            if method in WITHOUT_INITIALIZE:
                getattr(lib, method)(*args)
                continue
            with pytest.raises(NotInitializedError) as raised:
                getattr(lib, method)(*args)
            assert raised.value.code == -60001 and raised.value.name == "ECoreNotInitialized"


def test_calls_after_close_raise_closed_and_close_is_idempotent(portsip_lib: PortSIPLib) -> None:
    portsip_lib.close()
    portsip_lib.close()
    assert portsip_lib.closed
    for method, args in VALID.items():
        with pytest.raises(ClosedError):
            getattr(portsip_lib, method)(*args)
    with pytest.raises(ClosedError):
        portsip_lib.initialize()
    with pytest.raises(ClosedError):
        portsip_lib.on(events.RecvInfo, print)


def test_event_api_checks_its_arguments(portsip_lib: PortSIPLib) -> None:
    with pytest.raises(TypeError):
        portsip_lib.on(str, print)  # type: ignore[type-var]
    with pytest.raises(TypeError):
        portsip_lib.on(events.RecvInfo, "not callable")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        portsip_lib.wait_for(events.RecvInfo, timeout="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        portsip_lib.wait_for(events.RecvInfo, timeout=-1)
    with pytest.raises(TypeError):
        portsip_lib.wait_for(events.RecvInfo, predicate=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        portsip_lib.async_events(int)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        portsip_lib.wait_for((events.RecvInfo, int))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        portsip_lib.drain(timeout="soon")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        portsip_lib.drain(timeout=float("nan"))
    with pytest.raises(TypeError):
        portsip_lib.detach("not attached")  # type: ignore[arg-type]


def test_constructor_arguments(portsip_stub_library: str, tmp_path: Any) -> None:
    with pytest.raises(TypeError):
        PortSIPLib(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PortSIPLib(portsip_stub_library, backlog_events=0)
    with pytest.raises(LibraryLoadError) as raised:
        PortSIPLib(tmp_path / "missing.so")
    assert "missing.so" in str(raised.value) and raised.value.tried


def test_sdk_errors_carry_code_name_and_function(portsip_lib: PortSIPLib) -> None:
    with pytest.raises(PortSIPError) as raised:
        portsip_lib.set_presence_status(4242, "x")
    assert (raised.value.code, raised.value.name, raised.value.function) == (
        -60068,
        "ECoreNotFoundSubscribeId",
        "PortSIP_setPresenceStatus",
    )
    assert isinstance(raised.value, LookupError)


def test_repr_and_properties(portsip_lib: PortSIPLib, portsip_stub_library: str) -> None:
    library = f"library={portsip_stub_library!r}>"
    assert re.fullmatch(rf"<PortSIPLib #\d+ initialized {re.escape(library)}", repr(portsip_lib))
    with PortSIPLib(portsip_stub_library) as fresh:
        assert " not initialized " in repr(fresh)
    assert " closed " in repr(fresh)
    assert portsip_lib.library_path == portsip_stub_library


def test_detach_stops_delivery_to_that_object_only(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    class Recorder(events.SIPCallbackEvents):
        def __init__(self) -> None:
            self.seen: list[str] = []

        def on_recv_info(self, event: events.RecvInfo) -> None:
            self.seen.append(event.info_message)

    detached, kept = Recorder(), Recorder()
    portsip_lib.attach(detached)
    portsip_lib.attach(kept)

    def deliver(text: str) -> None:
        stub_control.emit(events.RecvInfo(text))
        portsip_lib.wait_for(events.RecvInfo)
        portsip_lib.drain()

    deliver("one")
    portsip_lib.detach(detached)
    deliver("two")
    assert (detached.seen, kept.seen) == (["one"], ["one", "two"])


def test_import_loads_nothing() -> None:
    code = (
        "import sys, portsip, portsip.testing, portsip.events;"
        "from portsip import _loader, _header;"
        "assert not _header._ffis and not _loader._opened, 'loaded at import';"
        "print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr


def test_the_c_type_in_the_cdef_decides_an_integers_range(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    # enableAudioStreamCallback's sessionId is an int, hangUp's a long: no method says so, the cdef does
    beyond_int = 2**31
    with pytest.raises(ValueError, match=rf"session_id must be between {-(2**31)} and {2**31 - 1}, got {beyond_int}"):
        portsip_lib.enable_audio_stream_callback(beyond_int)
    with pytest.raises(TypeError, match="session_id must be int, not bool"):
        portsip_lib.hang_up(True)
    with pytest.raises(TypeError, match="enable must be bool, not int"):
        portsip_lib.enable_early_media(1)  # type: ignore[arg-type]
    if LONG_MAX > beyond_int:
        with pytest.raises(PortSIPError):  # reached C: the stub knows no such session
            portsip_lib.hang_up(beyond_int)
        assert stub_control.calls[-1].args["sessionId"] == beyond_int


def _api_sources() -> dict[str, ast.Module]:
    folder = Path(portsip._api.__file__).parent
    return {path.name: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.py"))}


def test_methods_name_their_c_function_and_restate_no_c_type() -> None:
    """Readers and tools follow a call from the method to the header: every C call names
    self._c.PortSIP_x (or a variable holding it), no C type name is passed to _args.integer."""
    helpers = {"_call", "_call_without_sdk", "_call_void", "_call_out_ints", "_call_text_out", "_device_name"}
    for name, tree in _api_sources().items():
        if name == "_core.py":  # the C call path itself: it takes the C types from the cdef
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            where = f"{name}:{node.lineno}"
            if node.func.attr in helpers and isinstance(node.func.value, ast.Name) and node.func.value.id == "self":
                first = node.args[0]
                names_c_function = isinstance(first, ast.Attribute) and ast.unparse(first.value) == "self._c"
                assert names_c_function or isinstance(first, ast.Name), f"{where}: {ast.unparse(node)[:80]}"
            assert ast.unparse(node.func) != "_args.integer", f"{where}: a C type is the cdef's to say: _args.bounded"
        calls_of_getattr = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "getattr"]
        assert not calls_of_getattr, f"{name}: getattr({ast.unparse(calls_of_getattr[0].args[0])}, ...)"


def test_a_call_with_the_wrong_number_of_arguments_is_a_mistake_in_the_method(portsip_lib: PortSIPLib) -> None:
    with pytest.raises(TypeError, match=r"PortSIP_hangUp takes 1 arguments here, not 2: session_id, extra"):
        portsip_lib._call(portsip_lib._c.PortSIP_hangUp, session_id=1, extra=2)
