"""Console output for the package's programs (the command line, the demo) that survives the console.

* Any encoding: a Windows console or pipe often encodes with a legacy code page (cp1252, cp437),
  and ``print("☕")`` then raises UnicodeEncodeError. :func:`make_console_streams_safe` makes
  what the encoding cannot show come out as an escape (``\\u2615``) instead.
* Any failure of stdout: a full disk (``> /dev/full``) or a reader that went away (``| head -1``)
  ends the output once, cleanly (:class:`Stdout`), instead of a traceback per line.
"""

from __future__ import annotations

import errno
import os
import sys
import threading


def make_console_streams_safe() -> None:
    """Make sys.stdout and sys.stderr escape what their encoding cannot encode instead of raising.

    Also for UTF-8 streams: strings decoded with ``surrogateescape`` (event fields holding
    invalid UTF-8) carry lone surrogates that no encoding can write strictly.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)  # None (pythonw) or not a TextIOWrapper: leave it
        if reconfigure is None:
            continue
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # closed or detached: nothing will be printed on it anyway
            pass


class OutputError(Exception):
    """stdout cannot be written any more: the disk is full, or its reader closed the pipe."""


def reader_gone(exc: OSError) -> bool:
    """Whether a write to stdout failed because its pipe has no reader any more: EPIPE, or on
    Windows EINVAL, which the C runtime reports for a pipe whose reading end is closed."""
    return isinstance(exc, BrokenPipeError) or (sys.platform == "win32" and exc.errno == errno.EINVAL)


def describe_write_error(exc: OSError) -> str:
    """A write error on stdout in a few words."""
    if reader_gone(exc):
        return "its reader closed the pipe"
    return (exc.strerror or str(exc) or type(exc).__name__).rstrip(".").lower()


def abandon_stdout() -> None:
    """Point stdout's descriptor at the null device: what Python still holds in stdout's buffer is
    flushed once more at exit, and would fail (and print "Exception ignored") a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no descriptor (replaced or closed stdout): nothing is flushed to it
        pass


class Stdout:
    """Whole lines to stdout, from any thread. The first write error ends all output for good.

    :meth:`line` never raises: threads that print events (the handler thread) must keep running
    to let the program end cleanly; the error is kept, and :meth:`check` raises it as
    :class:`OutputError` on the thread that decides to stop.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # lines from two threads never interleave
        self.failure: OSError | None = None

    def line(self, text: str) -> bool:
        """Write ``text`` and a newline, flushed; False (and nothing written) once output has failed."""
        with self._lock:
            if self.failure is not None:
                return False
            try:
                print(text, flush=True)
            except OSError as exc:
                self.failure = exc
                abandon_stdout()
                return False
            return True

    def check(self) -> None:
        """Raise :class:`OutputError` if a write has failed."""
        if self.failure is not None:
            raise OutputError(f"cannot write to stdout: {describe_write_error(self.failure)}")
