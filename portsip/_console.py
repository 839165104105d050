"""Console output that survives any encoding.

A Windows console or pipe often encodes with a legacy code page (cp1252, cp437), and
``print("☕")`` then raises UnicodeEncodeError and ends the program. Programs of this package
(the demo, the command line) call :func:`make_console_streams_safe` first: what the encoding
cannot show is written as an escape (``\\u2615``) instead.
"""

from __future__ import annotations

import sys


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
