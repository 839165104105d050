"""The base classes of the generated event classes in portsip.events."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import ClassVar

_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.I)
#: Text encodings of Python that are no charset of a message body (codecs.lookup names): for
#: domain names (punycode is quadratic on hostile input) and Python literals (they warn).
_NOT_BODY_CHARSETS = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape"})


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
        """The charset :attr:`text` decodes with: the one the sub MIME type names
        (``plain;charset=ISO-8859-1``) when it is a text encoding Python knows, else "utf-8".

        Only text encodings count: a network can name any codec, and bytes-to-bytes ones (base64,
        zlib, rot13), codecs for domain names (idna, punycode) or Python literals (unicode_escape)
        and unknown names are not charsets of a body.
        """
        match = _CHARSET.search(self.sub_mime_type)
        if match:
            try:
                codec = codecs.lookup(match.group(1))
            except LookupError:
                return "utf-8"
            if codec._is_text_encoding and codec.name not in _NOT_BODY_CHARSETS:
                return codec.name
        return "utf-8"

    @property
    def text(self) -> str:
        """The body decoded with :attr:`charset`; never raises.

        Bytes that do not fit the charset are kept as surrogate escapes where the codec allows it.
        When the body does not decode with the charset at all (``utf-16`` with an odd number of
        bytes, ...), it is decoded as UTF-8 with ``surrogateescape`` instead, as is a body whose
        charset is not used (see :attr:`charset`): then ``text.encode("utf-8", "surrogateescape")``
        gives :attr:`data` back exactly. :attr:`data` always holds the exact bytes.
        """
        charset = self.charset
        if charset != "utf-8":
            try:
                return self.data.decode(charset, "surrogateescape")
            except Exception:  # the codec is chosen by the network: whatever it raises, fall back
                pass
        return self.data.decode("utf-8", "surrogateescape")
