"""The README's marked examples print what they should (tests/test_readme.py runs every block)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"
SOFTPHONE = "<!-- softphone example: tests/test_readme.py runs this block as written -->"
RECEIPTS = "<!-- receipts example: tests/test_readme.py runs this block as written -->"
QUICK_START = "<!-- quick start: tests/test_readme.py runs this block on the stub, where bob is unknown -->"


def example(marker: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(re.escape(marker) + r"\n```python\n(.*?)\n```\n", text, re.S)
    assert match, f"README.md lost the block after {marker}"
    return match.group(1)


def run(marker: str) -> None:
    exec(compile(example(marker), f"README.md ({marker})", "exec"), {"__name__": "readme_example"})


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
