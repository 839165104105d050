"""docs/testing-real-server.md: its example test file runs as a licensee's would (a pytest of its own)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing-real-server.md"


def example() -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- example: [^>]*-->\n```python\n(.*?)```", text, re.S)
    assert match, "the example block is gone from the page"
    return match[1]


def test_the_documented_example_passes(pytester: pytest.Pytester, portsip_wire_library: str, kamailio: object) -> None:
    # The fixtures above only make sure the wire parts are here (else skip, or fail in CI).
    pytester.makepyfile(test_real_server=example())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=2)
