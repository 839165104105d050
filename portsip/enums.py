"""The vendor enums the presence/messaging API takes (values from the vendor's PortSIPTypes.hxx)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["TransportType", "LogLevel", "PresenceMode"]


class TransportType(IntEnum):
    """TRANSPORT_TYPE: the SIP transport given to initialize()."""

    UDP = 0  # TRANSPORT_UDP
    TLS = 1  # TRANSPORT_TLS
    TCP = 2  # TRANSPORT_TCP
    PERS_UDP = 3  # TRANSPORT_PERS_UDP
    PERS_TCP = 4  # TRANSPORT_PERS_TCP


class LogLevel(IntEnum):
    """PORTSIP_LOG_LEVEL: how much the SDK writes to its log file."""

    NONE = -1  # PORTSIP_LOG_NONE
    ERROR = 1  # PORTSIP_LOG_ERROR
    WARNING = 2  # PORTSIP_LOG_WARNING
    INFO = 3  # PORTSIP_LOG_INFO
    DEBUG = 4  # PORTSIP_LOG_DEBUG
    COUT = 5  # PORTSIP_LOG_COUT


class PresenceMode(IntEnum):
    """The argument of set_presence_mode()."""

    P2P = 0  # the SDK answers SUBSCRIBEs itself; status goes to each watcher by subscribe id
    AGENT = 1  # presence agent: set_presence_status(0, text) PUBLISHes to the server
