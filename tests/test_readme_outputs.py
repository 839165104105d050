"""The marked examples of the README and the guides print what they should (tests/test_readme.py runs every block)."""

from __future__ import annotations

import pytest

from readme import marked_block

SOFTPHONE = "<!-- softphone example: tests/test_readme_outputs.py runs this block as written -->"
RECEIPTS = "<!-- receipts example: tests/test_readme_outputs.py runs this block as written -->"
QUICK_START = "<!-- quick start: tests/test_readme_outputs.py runs this block on the stub, where bob is unknown -->"
ASYNCIO = "<!-- asyncio example: tests/test_readme_outputs.py runs this block on the stub -->"


def run(marker: str) -> None:
    document, code = marked_block(marker)
    exec(compile(code, f"{document.name} ({marker})", "exec"), {"__name__": "readme_example"})


def test_softphone_example_runs(portsip_stub_library: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(SOFTPHONE)
    assert capsys.readouterr().out.splitlines() == [
        "Bob: call from Alice",
        "Bob: key 1",
        "Bob: key 2",
        "Bob: key 3",
        "Bob: Alice hung up",
    ]


def test_receipts_example_runs(portsip_stub_library: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(RECEIPTS)
    assert capsys.readouterr().out.splitlines() == [
        "delivered to sip:bob@example.com",
        "failed: 404 Not Found",
        "bob ok",
        "carol failed",
    ]


def test_quick_start_reports_a_404_as_an_exception(
    portsip_stub_library: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORTSIP_SDK_LIBRARY", portsip_stub_library)  # PortSIPLib() finds the stub
    run(QUICK_START)
    assert capsys.readouterr().out.splitlines() == [
        "200 OK",
        "not delivered: 404 Not Found",
        "sip:bob@example.com offline",
    ]


def test_asyncio_example_gets_the_reply(portsip_stub_library: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(ASYNCIO)
    assert capsys.readouterr().out.splitlines() == ["re: ping"]
