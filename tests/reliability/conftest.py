"""The reliability tests of RELIABILITY.md: their sizes, their backends and the figures they print.

Sizes: CI sizes by default (all of tests/reliability adds about two minutes to a pytest run on a
2-core machine); ``PORTSIP_RELIABILITY=full`` gives the sizes RELIABILITY.md quotes::

    PORTSIP_RELIABILITY=full pytest tests/reliability

Backends: a test that makes its own PortSIPLib runs once per event backend, or only on the one
``$PORTSIP_BACKEND`` names (``.ci/run`` runs the suite once per backend).

Figures: each test records what it measured with the ``figure`` fixture; the table is printed at
the end of the run (pytest's terminal summary, so no ``-s`` is needed), and written as JSON to
``$PORTSIP_RELIABILITY_FIGURES`` when that is set.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from portsip import _backend_native
from portsip._backend import ENV_BACKEND

FULL = os.environ.get("PORTSIP_RELIABILITY", "") == "full"


def size(ci: int, full: int) -> int:
    """``full`` with PORTSIP_RELIABILITY=full, else ``ci``."""
    return full if FULL else ci


def backends() -> list[object]:
    chosen = os.environ.get(ENV_BACKEND)
    names = [chosen] if chosen in ("native", "cffi") else ["native", "cffi"]
    params: list[object] = []
    for name in names:
        marks = []
        if name == "native" and _backend_native.native_library() is None:
            marks.append(pytest.mark.skip(reason=f"native backend unavailable: {_backend_native.why_unavailable()}"))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", backends())


# ---- process figures (Linux /proc; the tests that need them skip elsewhere) ------------------------

PROC = Path("/proc/self")


def needs_proc() -> None:
    if not (PROC / "status").exists():
        pytest.skip("needs Linux /proc to count threads, descriptors and memory")


def _status(field: str) -> int:
    for line in (PROC / "status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def rss() -> int:
    """Resident memory now, in bytes."""
    return _status("VmRSS")


def reset_peak_rss() -> bool:
    """Restart the peak-RSS measure (Linux >= 4.0); False if this system does not allow it."""
    try:
        (PROC / "clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss() -> int:
    """The highest resident memory since the last reset_peak_rss(), in bytes."""
    return _status("VmHWM")


def native_threads() -> int:
    """Threads of this process, native ones included."""
    return len(os.listdir(PROC / "task"))


def open_fds() -> int:
    return len(os.listdir(PROC / "fd"))


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


MIB = 1024 * 1024

#: Under AddressSanitizer (.ci/run's last step) freed memory stays in ASan's quarantine (up to 256 MiB):
#: RSS then measures the sanitizer, not portsip, so the RSS bounds are not asserted there.
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")


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

