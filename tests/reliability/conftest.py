"""The reliability tests of RELIABILITY.md: their sizes and the figures they print.

Sizes: CI sizes by default (all of tests/reliability adds about two minutes to a pytest run on a
2-core machine); ``PORTSIP_RELIABILITY=full`` gives the sizes RELIABILITY.md quotes::

    PORTSIP_RELIABILITY=full pytest tests/reliability

Figures: each test records what it measured with the ``figure`` fixture; the table is printed at
the end of the run (pytest's terminal summary, so no ``-s`` is needed), and written as JSON to
``$PORTSIP_RELIABILITY_FIGURES`` when that is set.

The sizes and the process measurements live in reliability_support.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_support import FULL

# ---- figures ------------------------------------------------------------------------------------

#: (test, what) -> value, in the order recorded
_figures: dict[tuple[str, str], object] = {}


def _text(value: object) -> str:
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else str(value)


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``figure("what", value)``: record a figure of this test for the table printed at the end.
    ``figure("what", n, total="name")`` adds n to a figure shared by the tests that use that name."""
    test = request.node.name

    def record(what: str, value: object, total: str | None = None) -> None:
        if total is None:
            _figures[test, what] = value
        else:
            previous = _figures.get((total, what), 0)
            assert isinstance(previous, int) and isinstance(value, int)
            _figures[total, what] = previous + value

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _figures:
        return
    sizes = "full sizes" if FULL else "CI sizes (PORTSIP_RELIABILITY=full for the full ones)"
    terminalreporter.section(f"portsip reliability figures, {sizes}")
    width = max(len(test) for test, _ in _figures)
    what_width = max(len(what) for _, what in _figures)
    for (test, what), value in _figures.items():
        terminalreporter.write_line(f"{test:<{width}}  {what:<{what_width}}  {_text(value)}")
    path = os.environ.get("PORTSIP_RELIABILITY_FIGURES")
    if path:
        rows = [{"test": test, "what": what, "value": _text(value)} for (test, what), value in _figures.items()]
        Path(path).write_text(json.dumps(rows, indent=1))

