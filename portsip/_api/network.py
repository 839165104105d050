"""Network settings: SIP extensions (3GPP tags, rport), keep-alives, RTP/RTCP port ranges, SRTP, and the
host's network interfaces.

:meth:`NetworkAPI.get_nic_nums` and :meth:`NetworkAPI.get_local_ip_address` take no SDK handle in C.
They are methods all the same, usable as soon as the :class:`~portsip.PortSIPLib` exists (before
:meth:`~portsip.PortSIPLib.initialize`): that is when an application picks the local address to
initialize with, and the instance is what has loaded the SDK library (a module function would need a
library argument of its own and a second way to load it).
"""

from __future__ import annotations

from .. import _args
from ..enums import SrtpPolicy
from ._core import SDKCore

#: Manual: at least 32 bytes; an IPv6 address in text takes up to 45 (INET6_ADDRSTRLEN 46).
_IP_BUFFER = 64


class NetworkAPI(SDKCore):
    """Transport and media network settings, and the local interfaces."""

    def enable_3gpp_tags(self, enable: bool) -> None:
        """PortSIP_enable3GppTags: the 3GPP feature tags ("ims.icsi.mmtel", "g.3gpp.smsip") in our messages."""
        self._call(self._c.PortSIP_enable3GppTags, enable=enable)

    def enable_rport(self, enable: bool) -> None:
        """PortSIP_enableRport: RFC 3581 rport (on by default)."""
        self._call(self._c.PortSIP_enableRport, enable=enable)

    def set_keep_alive_time(self, keep_alive_time: int) -> None:
        """PortSIP_setKeepAliveTime: seconds between SIP keep-alives (0 disables; 30 or 50 is usual)."""
        self._call(self._c.PortSIP_setKeepAliveTime, keep_alive_time=keep_alive_time)

    def set_rtp_keep_alive(self, state: bool, keep_alive_payload_type: int, delta_transmit_time_ms: int) -> None:
        """PortSIP_setRtpKeepAlive: send keep-alive RTP packets during calls (payload type usually 126,
        every 15000-300000 ms)."""
        self._call(
            self._c.PortSIP_setRtpKeepAlive,
            state=state,
            keep_alive_payload_type=keep_alive_payload_type,
            delta_transmit_time_ms=delta_transmit_time_ms,
        )

    def set_rtp_port_range(
        self, minimum_rtp_audio_port: int, maximum_rtp_audio_port: int, minimum_rtp_video_port: int, maximum_rtp_video_port: int
    ) -> None:
        """PortSIP_setRtpPortRange: the local ports audio and video RTP may use."""
        self._call(
            self._c.PortSIP_setRtpPortRange,
            minimum_rtp_audio_port=_args.port("minimum_rtp_audio_port", minimum_rtp_audio_port),
            maximum_rtp_audio_port=_args.port("maximum_rtp_audio_port", maximum_rtp_audio_port),
            minimum_rtp_video_port=_args.port("minimum_rtp_video_port", minimum_rtp_video_port),
            maximum_rtp_video_port=_args.port("maximum_rtp_video_port", maximum_rtp_video_port),
        )

    def set_rtcp_port_range(
        self,
        minimum_rtcp_audio_port: int,
        maximum_rtcp_audio_port: int,
        minimum_rtcp_video_port: int,
        maximum_rtcp_video_port: int,
    ) -> None:
        """PortSIP_setRtcpPortRange: the local ports audio and video RTCP may use."""
        self._call(
            self._c.PortSIP_setRtcpPortRange,
            minimum_rtcp_audio_port=_args.port("minimum_rtcp_audio_port", minimum_rtcp_audio_port),
            maximum_rtcp_audio_port=_args.port("maximum_rtcp_audio_port", maximum_rtcp_audio_port),
            minimum_rtcp_video_port=_args.port("minimum_rtcp_video_port", minimum_rtcp_video_port),
            maximum_rtcp_video_port=_args.port("maximum_rtcp_video_port", maximum_rtcp_video_port),
        )

    def set_srtp_policy(self, srtp_policy: SrtpPolicy | int, allow_srtp_over_unsecure_transport: bool) -> None:
        """PortSIP_setSrtpPolicy: whether calls use SRTP, and whether SRTP may run over a transport other than TLS."""
        self._call(
            self._c.PortSIP_setSrtpPolicy,
            srtp_policy=int(_args.choice("srtp_policy", srtp_policy, SrtpPolicy)),
            allow_srtp_over_unsecure_transport=allow_srtp_over_unsecure_transport,
        )

    def get_nic_nums(self) -> int:
        """PortSIP_getNICNums: how many network interfaces the host has. Usable before initialize."""
        return self._call_without_sdk(self._c.PortSIP_getNICNums)

    def get_local_ip_address(self, index: int) -> str:
        """PortSIP_getLocalIpAddress: the address of the ``index``-th network interface (0 first), e.g.
        to pass to :meth:`~portsip.PortSIPLib.initialize`. Usable before initialize."""
        function = self._c.PortSIP_getLocalIpAddress
        (address,) = self._call_text_out(
            function, (_IP_BUFFER,), lambda buffer: self._call_without_sdk(function, index=index, ip=buffer, ip_size=len(buffer))
        )
        return address
