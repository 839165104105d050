"""The pytest plugin as a licensee meets it: installed with the package, no conftest line needed."""

from __future__ import annotations

import pytest

FIXTURES_TEST = """
from portsip import PortSIPLib
from portsip.events import RecvOutOfDialogMessage
from portsip.testing import StubControl

def test_fixtures(portsip_lib: PortSIPLib, portsip_lib_factory, stub_control: StubControl, portsip_stub_library: str) -> None:
    bob = portsip_lib_factory("bob")
    portsip_lib.send_out_of_dialog_message("sip:bob@example.com", "text", "plain", b"hi")
    assert bob.wait_for(RecvOutOfDialogMessage).data == b"hi"
    assert stub_control.calls_to("PortSIP_sendOutOfDialogMessage")
    assert portsip_lib.library_path == portsip_stub_library
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # A separate process, as a licensee's pytest would be: the entry point is found afresh.
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=120)


def test_the_fixtures_come_with_the_package(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=FIXTURES_TEST)
    run(pytester).assert_outcomes(passed=1)


def test_an_old_pytest_plugins_line_is_harmless(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["portsip.testing.fixtures"]')
    pytester.makepyfile(test_app=FIXTURES_TEST)
    run(pytester).assert_outcomes(passed=1)


def test_the_plugin_can_be_turned_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=FIXTURES_TEST)
    result = run(pytester, "-p", "no:portsip.testing.fixtures")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'portsip_lib' not found*"])


def test_a_handler_that_raised_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_app="""
        from portsip.events import RegisterSuccess

        def test_register(portsip_lib):
            def broken(event):
                raise ZeroDivisionError("handler bug")
            portsip_lib.on(RegisterSuccess, broken)
            portsip_lib.register_server()
            portsip_lib.wait_for(RegisterSuccess)
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_register*", "*HandlerError: 1 exception(s) in event handlers*"])


def test_every_instance_is_closed_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_app="""
        made = []

        def test_make(portsip_lib, portsip_lib_factory):
            made.extend([portsip_lib, portsip_lib_factory("bob"), portsip_lib_factory("carol")])
            assert not any(lib.closed for lib in made)

        def test_then_closed():
            assert len(made) == 3 and all(lib.closed for lib in made)
        """
    )
    run(pytester).assert_outcomes(passed=2)
