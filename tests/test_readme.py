"""The README's softphone example runs on the stub exactly as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"
MARKER = "<!-- softphone example: tests/test_readme.py runs this block as written -->"


def example() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(re.escape(MARKER) + r"\n```python\n(.*?)\n```\n", text, re.S)
    assert match, f"README.md lost the block after {MARKER}"
    return match.group(1)


def test_softphone_example_runs(portsip_stub_library: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(example(), "README.md (softphone example)", "exec"), {"__name__": "readme_example"})
    assert capsys.readouterr().out.splitlines() == [
        "Bob: call from Alice",
        "Bob: key 1",
        "Bob: key 2",
        "Bob: key 3",
        "Bob: Alice hung up",
    ]
