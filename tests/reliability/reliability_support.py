"""Helpers of the reliability tests: sizes, and what a test measures of this process."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

FULL = os.environ.get("PORTSIP_RELIABILITY", "") == "full"


def size(ci: int, full: int) -> int:
    """``full`` with PORTSIP_RELIABILITY=full, else ``ci``."""
    return full if FULL else ci

T = TypeVar("T")


# ---- process figures (Linux /proc; the tests that need them skip elsewhere) ------------------------

PROC = Path("/proc/self")


def needs_proc() -> None:
    # sys.platform first: under Wine, /proc is the Linux host's, whose threads are not Windows'
    if sys.platform != "linux" or not (PROC / "status").exists():
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


def settled(read: Callable[[], T], timeout: float = 60, still: float = 0.25) -> T:
    """``read()`` once it has not changed for ``still`` seconds: process-wide figures (threads,
    late calls) move while the detached floods of earlier tests are still ending."""
    deadline = time.monotonic() + timeout
    value, since = read(), time.monotonic()
    while time.monotonic() - since < still and time.monotonic() < deadline:
        time.sleep(0.02)
        now = read()
        if now != value:
            value, since = now, time.monotonic()
    return value


MIB = 1024 * 1024

#: Under AddressSanitizer (.ci/run's last step) freed memory stays in ASan's quarantine (up to 256 MiB):
#: RSS then measures the sanitizer, not portsip, so the RSS bounds are not asserted there.
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")
