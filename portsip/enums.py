"""The vendor enums the API takes (values from the vendor's PortSIPTypes.hxx)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["TransportType", "LogLevel", "PresenceMode", "DtmfMethod", "SessionRefreshMode"]


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


# ---- calls ------------------------------------------------------------------------------------


class DtmfMethod(IntEnum):
    """DTMF_METHOD: how send_dtmf() sends a tone."""

    RFC2833 = 0  # DTMF_RFC2833: in the media stream (the manual recommends it)
    INFO = 1  # DTMF_INFO: as SIP INFO requests


class SessionRefreshMode(IntEnum):
    """SESSION_REFRESH_MODE: which side refreshes the call for enable_session_timer()."""

    UAC = 0  # SESSION_REFERESH_UAC (the vendor's spelling): the caller
    UAS = 1  # SESSION_REFERESH_UAS: the callee
    LOCAL = 2  # SESSION_REFERESH_LOCAL: this side
    REMOTE = 3  # SESSION_REFERESH_REMOTE: the other side
