"""The vendor enums the API takes (values from the vendor's PortSIPTypes.hxx, checked against tests/data/enums.tsv)."""

from __future__ import annotations

from enum import IntEnum

__all__ = [
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
]


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


# ---- media, devices, SIP headers and network ------------------------------------------------


class AudioCodec(IntEnum):
    """AUDIOCODEC_TYPE: an audio codec; the value is also its default RTP payload type."""

    NONE = -1  # AUDIOCODEC_NONE
    G729 = 18
    PCMA = 8
    PCMU = 0
    GSM = 3
    G722 = 9
    ILBC = 97
    AMR = 98
    AMRWB = 99
    SPEEX = 100
    SPEEXWB = 102
    ISACWB = 103
    ISACSWB = 104
    G7221 = 121
    OPUS = 105
    DTMF = 101  # RFC 2833 telephone events


class VideoCodec(IntEnum):
    """VIDEOCODEC_TYPE: a video codec; the value is also its default RTP payload type."""

    NONE = -1  # VIDEO_CODEC_NONE
    I420 = 113
    H263 = 34
    H263_1998 = 115
    H264 = 125
    VP8 = 120
    VP9 = 122


class AudioFileFormat(IntEnum):
    """AUDIO_FILE_FORMAT: the file format of start_record's audio."""

    NONE = 0  # FILEFORMAT_NONE
    WAVE = 1
    AMR = 2
    WAVE_STEREO = 3
    CALLBACK = 4


class RecordMode(IntEnum):
    """RECORD_MODE: which direction(s) of a call start_record records."""

    NONE = 0  # RECORD_NONE
    RECV = 1
    SEND = 2
    BOTH = 3


class SrtpPolicy(IntEnum):
    """SRTP_POLICY: whether calls use SRTP."""

    NONE = 0  # SRTP_POLICY_NONE: plain RTP only
    FORCE = 1  # SRTP only
    PREFER = 2  # SRTP when the other side supports it


class SipMessageType(IntEnum):
    """The msg_type of add_sip_message_header / modify_sip_message_header (the manual's 1, 2, 3)."""

    REQUEST = 1
    RESPONSE = 2
    BOTH = 3


class AudioStreamCallbackMode(IntEnum):
    """AUDIOSTREAM_CALLBACK_MODE: which audio of a call the raw audio stream callback receives."""

    NONE = 0  # AUDIOSTREAM_NONE
    LOCAL_PER_CHANNEL = 1  # the microphone's audio sent in this call
    REMOTE_PER_CHANNEL = 2  # the audio received in this call
    BOTH = 3


class VideoStreamCallbackMode(IntEnum):
    """VIDEOSTREAM_CALLBACK_MODE: which video of a call the raw video stream callback receives."""

    NONE = 0  # VIDEOSTREAM_NONE: disables the callback
    LOCAL = 1
    REMOTE = 2
    BOTH = 3
