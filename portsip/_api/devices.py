"""Devices: microphones, speakers and cameras, their names and selection, volumes, mute, the loopback test
and the camera's settings dialog.

Device indexes run from 0 to the count minus one; -1 names the system's default device where the
manual allows it. Names come back as str (the SDK writes UTF-8).
"""

from __future__ import annotations

from typing import Any

from .. import _args
from ..media import VideoCaptureDevice
from ._core import SDKCore

#: Manual: name buffers of at least 128 bytes; longer names are fetched again with more room.
_NAME_BUFFER = 128


class DevicesAPI(SDKCore):
    """The audio and video devices the SDK uses."""

    def get_num_of_recording_devices(self) -> int:
        """PortSIP_getNumOfRecordingDevices: how many audio capture devices (microphones) there are."""
        return self._call(self._c.PortSIP_getNumOfRecordingDevices)

    def get_num_of_playout_devices(self) -> int:
        """PortSIP_getNumOfPlayoutDevices: how many audio playout devices (speakers) there are."""
        return self._call(self._c.PortSIP_getNumOfPlayoutDevices)

    def _device_name(self, function: Any, device_index: int) -> str:
        index = _args.bounded("device_index", device_index, minimum=-1)
        (name,) = self._call_text_out(
            function,
            (_NAME_BUFFER,),
            lambda buffer: self._call(function, device_index=index, name_utf8=buffer, name_utf8_length=len(buffer)),
        )
        return name

    def get_recording_device_name(self, device_index: int = -1) -> str:
        """PortSIP_getRecordingDeviceName: the name of a microphone (-1: the default one)."""
        return self._device_name(self._c.PortSIP_getRecordingDeviceName, device_index)

    def get_playout_device_name(self, device_index: int = -1) -> str:
        """PortSIP_getPlayoutDeviceName: the name of a speaker (-1: the default one)."""
        return self._device_name(self._c.PortSIP_getPlayoutDeviceName, device_index)

    def set_audio_device_id(self, recording_device_id: int, playout_device_id: int) -> None:
        """PortSIP_setAudioDeviceId: the microphone and speaker to use, by index."""
        self._call(self._c.PortSIP_setAudioDeviceId, recording_device_id=recording_device_id, playout_device_id=playout_device_id)

    def set_speaker_volume(self, volume: int) -> None:
        """PortSIP_setSpeakerVolume: the speaker volume, 0-255."""
        self._call(self._c.PortSIP_setSpeakerVolume, volume=volume)

    def get_speaker_volume(self) -> int:
        """PortSIP_getSpeakerVolume: the speaker volume, 0-255."""
        return self._call(self._c.PortSIP_getSpeakerVolume)

    def set_mic_volume(self, volume: int) -> None:
        """PortSIP_setMicVolume: the microphone volume, 0-255."""
        self._call(self._c.PortSIP_setMicVolume, volume=volume)

    def get_mic_volume(self) -> int:
        """PortSIP_getMicVolume: the microphone volume, 0-255."""
        return self._call(self._c.PortSIP_getMicVolume)

    def mute_microphone(self, mute: bool) -> None:
        """PortSIP_muteMicrophone (desktop platforms). Returns nothing in C."""
        self._call_void(self._c.PortSIP_muteMicrophone, mute=mute)

    def mute_speaker(self, mute: bool) -> None:
        """PortSIP_muteSpeaker (desktop platforms). Returns nothing in C."""
        self._call_void(self._c.PortSIP_muteSpeaker, mute=mute)

    def audio_play_loopback_test(self, enable: bool) -> None:
        """PortSIP_audioPlayLoopbackTest: play the microphone on the speaker, to test the devices. Returns nothing in C."""
        self._call_void(self._c.PortSIP_audioPlayLoopbackTest, enable=enable)

    def get_num_of_video_capture_devices(self) -> int:
        """PortSIP_getNumOfVideoCaptureDevices: how many cameras there are."""
        return self._call(self._c.PortSIP_getNumOfVideoCaptureDevices)

    def get_video_capture_device_name(self, device_index: int = -1) -> VideoCaptureDevice:
        """PortSIP_getVideoCaptureDeviceName: a camera's unique id and name (-1: the default camera)."""
        # The C parameter is unsigned: -1 travels as its two's complement, as from the vendor's .NET wrapper.
        index = _args.bounded("device_index", device_index, minimum=-1)
        if index == -1:
            index = int(self._ffi.cast("unsigned int", -1))
        function = self._c.PortSIP_getVideoCaptureDeviceName
        unique_id, name = self._call_text_out(
            function,
            (_NAME_BUFFER, _NAME_BUFFER),
            lambda ids, names: self._call(
                function,
                device_index=index,
                unique_id_utf8=ids,
                unique_id_utf8_length=len(ids),
                device_name_utf8=names,
                device_name_utf8_length=len(names),
            ),
        )
        return VideoCaptureDevice(unique_id, name)

    def set_video_device_id(self, device_id: int) -> None:
        """PortSIP_setVideoDeviceId: the camera to use, by index."""
        self._call(self._c.PortSIP_setVideoDeviceId, device_id=device_id)

    def show_video_capture_settings_dialog_box(
        self, unique_id: str, dialog_title: str, parent_window: int | None = None, x: int = 0, y: int = 0
    ) -> None:
        """PortSIP_showVideoCaptureSettingsDialogBox: the camera driver's settings dialog (Windows).

        ``unique_id`` is a :class:`~portsip.media.VideoCaptureDevice`'s; ``parent_window`` a native
        window handle (None: no parent), and ``x``/``y`` the dialog's position relative to it, in pixels.
        """
        unique = _args.text("unique_id", unique_id)
        self._call(
            self._c.PortSIP_showVideoCaptureSettingsDialogBox,
            unique_id_utf8=unique,
            unique_id_utf8_length=len(unique),
            dialog_title=_args.text("dialog_title", dialog_title),
            parent_window=self._ffi.cast("void*", _args.handle("parent_window", parent_window)),
            x=x,
            y=y,
        )
