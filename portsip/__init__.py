"""Python binding of the PortSIP VoIP SDK: calls, presence and instant messaging, typed events.

``import portsip`` loads nothing native; the SDK library is opened when the first
:class:`PortSIPLib` is created. Tests and CI can use the stub library in
:mod:`portsip.testing` instead of the proprietary SDK.
"""

from . import bodies, events
from ._delivery.streams import EventStream
from ._lib import PortSIPLib
from ._receipts import Receipt
from ._version import __version__ as __version__
from .chat import Chat, ChatMessage, ChatNotification, ChatReceipt, ComposingState, NotificationError
from .enums import (
    AudioCodec,
    AudioFileFormat,
    AudioStreamCallbackMode,
    DtmfMethod,
    LogLevel,
    PresenceMode,
    RecordMode,
    SessionRefreshMode,
    SipMessageType,
    SrtpPolicy,
    TransportType,
    VideoCodec,
    VideoStreamCallbackMode,
)
from .errors import (
    AlreadyInitializedError,
    CallStateError,
    ClosedError,
    HandlerError,
    InvalidArgumentError,
    InvalidStateError,
    LibraryLoadError,
    LicenseError,
    NotFoundError,
    NotInitializedError,
    PortSIPError,
    SDKError,
    SendFailedError,
)
from .events import Event, SIPCallbackEvents
from .media import AudioStatistics, VideoCaptureDevice, VideoStatistics
from .roster import Contact, Roster, RosterSnapshot, Watcher

__all__ = [
    "PortSIPLib",
    "Receipt",
    "EventStream",
    "Roster",
    "Contact",
    "Watcher",
    "RosterSnapshot",
    "Chat",
    "ChatMessage",
    "ChatReceipt",
    "ChatNotification",
    "ComposingState",
    "NotificationError",
    "bodies",
    "SIPCallbackEvents",
    "Event",
    "events",
    "TransportType",
    "LogLevel",
    "PresenceMode",
    "DtmfMethod",
    "SessionRefreshMode",
    "AudioCodec",
    "VideoCodec",
    "AudioFileFormat",
    "RecordMode",
    "SrtpPolicy",
    "SipMessageType",
    "AudioStreamCallbackMode",
    "VideoStreamCallbackMode",
    "AudioStatistics",
    "VideoStatistics",
    "VideoCaptureDevice",
    "PortSIPError",
    "SDKError",
    "LibraryLoadError",
    "InvalidStateError",
    "ClosedError",
    "HandlerError",
    "NotInitializedError",
    "AlreadyInitializedError",
    "InvalidArgumentError",
    "NotFoundError",
    "LicenseError",
    "CallStateError",
    "SendFailedError",
]
