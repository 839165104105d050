"""What went wrong on the delivery threads, kept for ``check_errors()`` (as pygit2 keeps an exception
raised in a callback and re-raises it on the caller's side)."""

from __future__ import annotations

import collections
import logging
import threading

log = logging.getLogger("portsip")

#: The exceptions kept for check_errors(): the most recent ones.
KEPT = 100


class ErrorLog:
    """Exceptions raised by handlers, or while building or routing events: logged, counted, kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._errors: collections.deque[BaseException] = collections.deque(maxlen=KEPT)
        self.count = 0

    def record(self, exc: BaseException, what: str) -> None:
        with self._lock:
            self.count += 1
            self._errors.append(exc)
        log.error("%s", what, exc_info=(type(exc), exc, exc.__traceback__))

    def take(self) -> list[BaseException]:
        """The recorded exceptions (at most the last KEPT), oldest first; the log is emptied."""
        with self._lock:
            taken = list(self._errors)
            self._errors.clear()
        return taken
