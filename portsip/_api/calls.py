"""Calls: placing, answering, rejecting and ending them; hold, re-INVITE, mute, forwarding, DTMF,
INFO, OPTIONS, BLF pickup, and the settings that shape every call (do not disturb, early media,
PRACK, session timer).

A call is named by its session id: :meth:`CallsAPI.call` returns it for an outgoing call, the
``InviteIncoming`` event carries it for an incoming one. Everything that happens to the call later
arrives as an event with that id (``InviteTrying``, ``InviteRinging``, ``InviteAnswered``,
``InviteConnected``, ``InviteFailure``, ``InviteClosed``, ``RemoteHold``, ...).
"""

from __future__ import annotations

from .. import _args
from ..enums import DtmfMethod, SessionRefreshMode
from ._core import SDKCore

#: The highest DTMF tone code: 0-9 are the digits, 10 is *, 11 is #, 12-15 are A-D, 16 is flash.
MAX_DTMF_TONE = 16
#: The shortest session-timer interval the SDK accepts, in seconds.
MIN_SESSION_TIMER = 90


class CallsAPI(SDKCore):
    """Call control. Session ids are the vendor's ``long``; the SDK reports a bad one as NotFoundError."""

    def call(self, call_to: str, send_sdp: bool = True, video_call: bool = False) -> int:
        """PortSIP_call: call ``call_to`` (a SIP URI such as ``sip:bob@example.com``, or a user name).

        Returns the new call's session id as soon as the INVITE is on its way; whether the call
        rings, is answered or fails arrives later as InviteTrying, InviteRinging, InviteAnswered /
        InviteConnected or InviteFailure with that session id. ``send_sdp=False`` sends the INVITE
        without an offer (the media are then negotiated in the answer); ``video_call`` offers video
        too (given at least one video codec is enabled).
        """
        return self._call(self._c.PortSIP_call, call_to=_args.text("call_to", call_to), send_sdp=send_sdp, video_call=video_call)

    def answer_call(self, session_id: int, video_call: bool = False) -> None:
        """PortSIP_answerCall: accept the incoming call ``session_id`` (from InviteIncoming).

        With ``video_call`` the answer includes video when the caller offered it and a codec
        matches. Both ends then get InviteConnected.
        """
        self._call(self._c.PortSIP_answerCall, session_id=session_id, video_call=video_call)

    def reject_call(self, session_id: int, code: int = 486) -> None:
        """PortSIP_rejectCall: refuse the incoming call ``session_id`` with a SIP status ``code``.

        The caller's InviteFailure carries the code: 486 Busy Here (the default), 480 Temporarily
        Unavailable, 603 Decline, ...
        """
        self._call(self._c.PortSIP_rejectCall, session_id=session_id, code=_args.bounded("code", code, minimum=300, maximum=699))

    def hang_up(self, session_id: int) -> None:
        """PortSIP_hangUp: end the call ``session_id`` (or cancel it while it is still ringing).

        The other side gets InviteClosed; this side gets no event for the call it ended.
        """
        self._call(self._c.PortSIP_hangUp, session_id=session_id)

    def hold(self, session_id: int) -> None:
        """PortSIP_hold: put the connected call on hold; the other side gets RemoteHold."""
        self._call(self._c.PortSIP_hold, session_id=session_id)

    def un_hold(self, session_id: int) -> None:
        """PortSIP_unHold: take the call off hold; the other side gets RemoteUnHold."""
        self._call(self._c.PortSIP_unHold, session_id=session_id)

    def update_call(self, session_id: int, enable_audio: bool, enable_video: bool) -> None:
        """PortSIP_updateCall: re-INVITE the connected call with the media wanted now.

        E.g. ``update_call(session_id, True, True)`` adds video to an audio call and
        ``update_call(session_id, True, False)`` removes it. The other side gets InviteUpdated.
        """
        self._call(self._c.PortSIP_updateCall, session_id=session_id, enable_audio=enable_audio, enable_video=enable_video)

    def mute_session(
        self,
        session_id: int,
        mute_incoming_audio: bool = False,
        mute_outgoing_audio: bool = False,
        mute_incoming_video: bool = False,
        mute_outgoing_video: bool = False,
    ) -> None:
        """PortSIP_muteSession: silence streams of a call, each way; False un-mutes.

        ``mute_outgoing_audio=True`` stops the other side hearing us, ``mute_incoming_audio``
        stops us hearing them; likewise for video. Nothing is signalled to the other side.
        """
        self._call(
            self._c.PortSIP_muteSession,
            session_id=session_id,
            mute_incoming_audio=mute_incoming_audio,
            mute_outgoing_audio=mute_outgoing_audio,
            mute_incoming_video=mute_incoming_video,
            mute_outgoing_video=mute_outgoing_video,
        )

    def forward_call(self, session_id: int, forward_to: str) -> None:
        """PortSIP_forwardCall: send the incoming call ``session_id`` on to ``forward_to`` instead of answering.

        ``forward_to`` is a SIP URI or a user name. This side's session ends without an event.
        """
        self._call(self._c.PortSIP_forwardCall, session_id=session_id, forward_to=_args.text("forward_to", forward_to))

    def pickup_blf_call(self, replace_dialog_id: str, video_call: bool = False) -> int:
        """PortSIP_pickupBLFCall: answer, from here, a call ringing at a user whose dialogs we monitor.

        ``replace_dialog_id`` is the dialog id from DialogStateUpdated (after
        ``send_subscription(user, "dialog")``). Returns the session id of the picked-up call, which
        then reports like an outgoing call.
        """
        return self._call(
            self._c.PortSIP_pickupBLFCall,
            replace_dialog_id=_args.text("replace_dialog_id", replace_dialog_id),
            video_call=video_call,
        )

    # ---- requests inside a call --------------------------------------------------------------

    def send_dtmf(
        self,
        session_id: int,
        dtmf_method: DtmfMethod | int,
        code: int,
        dtmf_duration: int = 160,
        play_dtmf_tone: bool = True,
    ) -> None:
        """PortSIP_sendDtmf: send one DTMF tone in the connected call; the other side gets RecvDtmfTone.

        ``code`` is 0-9 for the digits, 10 for ``*``, 11 for ``#``, 12-15 for A-D and 16 for flash.
        ``dtmf_method`` is :class:`~portsip.DtmfMethod` (RFC2833 is the manual's recommendation);
        ``dtmf_duration`` is in samples (160 recommended); ``play_dtmf_tone`` also plays it locally.
        """
        self._call(
            self._c.PortSIP_sendDtmf,
            session_id=session_id,
            dtmf_method=int(_args.choice("dtmf_method", dtmf_method, DtmfMethod)),
            code=_args.bounded("code", code, minimum=0, maximum=MAX_DTMF_TONE),
            dtmf_duration=dtmf_duration,
            play_dtmf_tone=play_dtmf_tone,
        )

    def send_info(self, session_id: int, mime_type: str, sub_mime_type: str, info_contents: str) -> None:
        """PortSIP_sendInfo: a SIP INFO in the connected call, e.g. ``("application", "json", "{}")``.

        The other side gets RecvInfo with the whole INFO message.
        """
        self._call(
            self._c.PortSIP_sendInfo,
            session_id=session_id,
            mime_type=_args.text("mime_type", mime_type),
            sub_mime_type=_args.text("sub_mime_type", sub_mime_type),
            info_contents=_args.text("info_contents", info_contents),
        )

    def send_options(self, to: str, sdp: str = "") -> None:
        """PortSIP_sendOptions: an OPTIONS request to ``to`` (outside any call), with an optional SDP body.

        The recipient gets RecvOptions with the whole message.
        """
        self._call(self._c.PortSIP_sendOptions, to=_args.text("to", to), sdp=_args.text("sdp", sdp))

    # ---- settings for every call ---------------------------------------------------------------

    def enable_call_forward(self, for_busy_only: bool, forward_to: str) -> None:
        """PortSIP_enableCallForward: forward incoming calls to ``forward_to`` automatically.

        With ``for_busy_only`` only while we are already in a call, else always. Each forwarded
        call raises InviteBeginingForward here instead of InviteIncoming.
        """
        self._call(
            self._c.PortSIP_enableCallForward,
            for_busy_only=for_busy_only,
            forward_to=_args.text("forward_to", forward_to),
        )

    def disable_call_forward(self) -> None:
        """PortSIP_disableCallForward: stop forwarding incoming calls."""
        self._call(self._c.PortSIP_disableCallForward)

    def set_do_not_disturb(self, state: bool) -> None:
        """PortSIP_setDoNotDisturb: with ``True`` every incoming call is rejected (C returns nothing)."""
        self._call_void(self._c.PortSIP_setDoNotDisturb, state=state)

    def enable_early_media(self, enable: bool) -> None:
        """PortSIP_enableEarlyMedia: accept media before the answer (183 Session Progress); off by default."""
        self._call(self._c.PortSIP_enableEarlyMedia, enable=enable)

    def enable_reliable_provisional(self, enable: bool) -> None:
        """PortSIP_enableReliableProvisional: use PRACK (reliable 1xx responses, RFC 3262); off by default."""
        self._call(self._c.PortSIP_enableReliableProvisional, enable=enable)

    def enable_session_timer(self, timer_seconds: int, refresh_mode: SessionRefreshMode | int) -> None:
        """PortSIP_enableSessionTimer: refresh calls with re-INVITEs every ``timer_seconds`` (at least 90).

        ``refresh_mode`` says which side sends them (:class:`~portsip.SessionRefreshMode`). The
        refreshes let proxies drop calls whose BYE was lost.
        """
        self._call(
            self._c.PortSIP_enableSessionTimer,
            timer_seconds=_args.bounded("timer_seconds", timer_seconds, minimum=MIN_SESSION_TIMER),
            refresh_mode=int(_args.choice("refresh_mode", refresh_mode, SessionRefreshMode)),
        )

    def disable_session_timer(self) -> None:
        """PortSIP_disableSessionTimer: stop refreshing calls."""
        self._call(self._c.PortSIP_disableSessionTimer)
