"""The base classes of the generated event classes in portsip.events."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import ClassVar

_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.I)


@dataclass(frozen=True, slots=True)
class Event:
    """Base class of every SDK event. ``lib.on(Event, fn)`` receives them all (media frames aside)."""

    #: The vendor's callback name, e.g. "registerSuccess".
    vendor_name: ClassVar[str] = ""
    #: One letter per field: l long, i int, b bool, s string, d bytes (the C buffer and its length).
    signature: ClassVar[str] = ""
    #: The C callback type, e.g. "registerSuccessHandler".
    typedef_name: ClassVar[str] = ""
    #: The C function that installs the callback, e.g. "PSCallback_setRegisterSuccessHandler".
    setter_name: ClassVar[str] = ""
    #: The SIPCallbackEvents method for this event, e.g. "on_register_success".
    handler_name: ClassVar[str] = ""


class MediaFrame(Event):
    """Base of the media frames: raw audio and video of a call, RTP packets.

    They arrive through the same bounded, never-blocking path as events once enabled
    (``enable_audio_stream_callback``, ``enable_video_stream_callback``, ``set_rtp_callback``),
    but at hundreds per second per call, so they are only given to whoever asks for frames by
    class: handlers added with ``lib.on(AudioRawFrame, fn)`` (or ``MediaFrame`` for all) and
    async streams opened for a frame class. Catch-alls on ``Event`` do not get them, and they are
    not kept for ``wait_for``. They may use at most half of each ``max_pending_*`` budget: beyond
    that frames are dropped (``stats["frames_dropped"]`` in the native queue, ``handler_dropped``
    and ``stream_dropped`` after it) and events still pass.
    """

    __slots__ = ()
    session_id: int
    data: bytes


class MessageEvent(Event):
    """Base of the events that carry a MESSAGE body (``data``) and its MIME type."""

    __slots__ = ()
    data: bytes
    mime_type: str
    sub_mime_type: str

    @property
    def charset(self) -> str:
        """The charset named in the sub MIME type (``plain;charset=ISO-8859-1``), else "utf-8"."""
        match = _CHARSET.search(self.sub_mime_type)
        if match:
            try:
                return codecs.lookup(match.group(1)).name
            except LookupError:
                pass  # an unknown charset from the network: fall back to UTF-8, never fail
        return "utf-8"

    @property
    def text(self) -> str:
        """The body decoded with :attr:`charset`; undecodable bytes are kept as surrogate escapes."""
        return self.data.decode(self.charset, "surrogateescape")
