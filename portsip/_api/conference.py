"""The conference: one per SDK instance, audio or video, mixing the calls joined to it.

Create it, join established calls with :meth:`ConferenceAPI.join_to_conference`, remove them,
destroy it. Mixing is local: the other parties see no signalling (a call on hold is taken off
hold when it joins, which they do see as RemoteUnHold). Window handles are the platform's native
handle as an int (``HWND`` on Windows, e.g. ``int(widget.winId())``), or None for none.
"""

from __future__ import annotations

from .. import _args
from ._core import SDKCore


class ConferenceAPI(SDKCore):
    """Create, fill and end the instance's conference."""

    def create_audio_conference(self) -> None:
        """PortSIP_createAudioConference: start an audio conference (fails while one exists)."""
        self._call(self._c.PortSIP_createAudioConference)

    def create_video_conference(
        self, conference_video_window: int | None, width: int, height: int, display_local_video_in_conference: bool
    ) -> None:
        """PortSIP_createVideoConference: start a video conference of ``width`` x ``height`` pixels
        shown in ``conference_video_window``, with or without our own video in it (fails while a
        conference exists).
        """
        window = _args.handle("conference_video_window", conference_video_window)
        self._call(
            self._c.PortSIP_createVideoConference,
            conference_video_window=self._ffi.cast("void*", window),
            width=width,
            height=height,
            display_local_video_in_conference=display_local_video_in_conference,
        )

    def destroy_conference(self) -> None:
        """PortSIP_destroyConference: end the conference; its calls go on as ordinary calls (C returns nothing)."""
        self._call_void(self._c.PortSIP_destroyConference)

    def set_conference_video_window(self, video_window: int | None) -> None:
        """PortSIP_setConferenceVideoWindow: show the conference's video in another window (None: nowhere)."""
        window = _args.handle("video_window", video_window)
        self._call(self._c.PortSIP_setConferenceVideoWindow, video_window=self._ffi.cast("void*", window))

    def join_to_conference(self, session_id: int) -> None:
        """PortSIP_joinToConference: add the established call ``session_id`` to the conference
        (taking it off hold if needed).
        """
        self._call(self._c.PortSIP_joinToConference, session_id=session_id)

    def remove_from_conference(self, session_id: int) -> None:
        """PortSIP_removeFromConference: take the call out of the conference; the call goes on."""
        self._call(self._c.PortSIP_removeFromConference, session_id=session_id)
