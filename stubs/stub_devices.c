/*
 * stub_devices.c - Audio and video devices: a small fixed set of fake ones, their names, the selection,
 * speaker and microphone volumes, mute, the loopback test and the capture settings dialog.
 */
#include "stub_internal.h"

/* Stub's choice: two devices of each kind. One name is UTF-8 beyond ASCII, one is longer than the
 * 128-byte buffer the manual asks callers for, so callers must handle ECoreBufferTooSmall. */
static const char* const recording_devices[] = {"Stub Microphone", "Stub Headset Microphone (Zo\xc3\xab)"};
static const char* const playout_devices[] = {
    "Stub Speakers",
    "Stub Headset Earphones (USB Audio Device, the second output of a dock whose name is longer than the 128 "
    "bytes the manual asks callers to provide)",
};
static const char* const camera_ids[] = {"stub-camera-0", "stub-camera-1"};
static const char* const camera_names[] = {"Stub Camera", "Stub Document Camera"};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_VOLUME 255 /* manual: volumes are 0-255 */

/* Manual: index 0..N-1, or -1 for the default device (the stub's first). */
static int device_index(int deviceIndex, int n)
{
    if (deviceIndex == -1)
        return 0;
    return deviceIndex >= 0 && deviceIndex < n ? deviceIndex : -1;
}

static int device_name(const char* const* names, int n, int deviceIndex, char* nameUTF8, int nameUTF8Length)
{
    int i = device_index(deviceIndex, n);
    if (!nameUTF8)
        return ECoreArgumentNull;
    if (i < 0)
        return EDeviceGetDeviceNameFailure;
    return text_out(names[i], strlen(names[i]), nameUTF8, nameUTF8Length);
}

int PortSIP_getNumOfRecordingDevices(void* sdk)
{
    STUB_ENTER0(in, sdk);
    STUB_LEAVE(COUNT(recording_devices));
}

int PortSIP_getNumOfPlayoutDevices(void* sdk)
{
    STUB_ENTER0(in, sdk);
    STUB_LEAVE(COUNT(playout_devices));
}

int PortSIP_getRecordingDeviceName(void* sdk, int deviceIndex, char* nameUTF8, int nameUTF8Length)
{
    STUB_ENTER(in, sdk, J_INT("deviceIndex", deviceIndex), J_INT("nameUTF8Length", nameUTF8Length));
    STUB_LEAVE(device_name(recording_devices, COUNT(recording_devices), deviceIndex, nameUTF8, nameUTF8Length));
}

int PortSIP_getPlayoutDeviceName(void* sdk, int deviceIndex, char* nameUTF8, int nameUTF8Length)
{
    STUB_ENTER(in, sdk, J_INT("deviceIndex", deviceIndex), J_INT("nameUTF8Length", nameUTF8Length));
    STUB_LEAVE(device_name(playout_devices, COUNT(playout_devices), deviceIndex, nameUTF8, nameUTF8Length));
}

int PortSIP_setAudioDeviceId(void* sdk, int recordingDeviceId, int playoutDeviceId)
{
    STUB_ENTER(in, sdk, J_INT("recordingDeviceId", recordingDeviceId), J_INT("playoutDeviceId", playoutDeviceId));
    int rc = 0;
    if (in->sessions.n) /* the vendor's code says so; the stub counts every open session as a call */
        rc = EAudioCantSetDeviceIdDuringCall;
    else if (device_index(recordingDeviceId, COUNT(recording_devices)) < 0 ||
             device_index(playoutDeviceId, COUNT(playout_devices)) < 0)
        rc = ECoreArgumentIncorrect;
    STUB_LEAVE(rc);
}

static int set_volume(unsigned int* slot, unsigned int volume)
{
    if (volume > MAX_VOLUME)
        return EAudioVolumeOutOfRange;
    *slot = volume;
    return 0;
}

int PortSIP_setSpeakerVolume(void* sdk, unsigned int volume)
{
    STUB_ENTER(in, sdk, J_INT("volume", volume));
    STUB_LEAVE(set_volume(&in->speaker_volume, volume));
}

int PortSIP_getSpeakerVolume(void* sdk)
{
    STUB_ENTER0(in, sdk);
    STUB_LEAVE((int)in->speaker_volume);
}

int PortSIP_setMicVolume(void* sdk, unsigned int volume)
{
    STUB_ENTER(in, sdk, J_INT("volume", volume));
    STUB_LEAVE(set_volume(&in->mic_volume, volume));
}

int PortSIP_getMicVolume(void* sdk)
{
    STUB_ENTER0(in, sdk);
    STUB_LEAVE((int)in->mic_volume);
}

void PortSIP_muteMicrophone(void* sdk, bool mute)
{
    STUB_ENTER_VOID(in, sdk, J_BOOL("mute", mute));
    in->mic_muted = mute; /* getAudioStatistics then reports a silent microphone */
    STUB_LEAVE_VOID();
}

void PortSIP_muteSpeaker(void* sdk, bool mute)
{
    STUB_ENTER_VOID(in, sdk, J_BOOL("mute", mute)); /* nothing plays in the stub: only recorded */
    STUB_LEAVE_VOID();
}

void PortSIP_audioPlayLoopbackTest(void* sdk, bool enable)
{
    STUB_ENTER_VOID(in, sdk, J_BOOL("enable", enable));
    STUB_LEAVE_VOID();
}

int PortSIP_getNumOfVideoCaptureDevices(void* sdk)
{
    STUB_ENTER0(in, sdk);
    STUB_LEAVE(COUNT(camera_ids));
}

int PortSIP_getVideoCaptureDeviceName(void* sdk, unsigned int deviceIndex, char* uniqueIdUTF8, unsigned int uniqueIdUTF8Length,
                                      char* deviceNameUTF8, unsigned int deviceNameUTF8Length)
{
    STUB_ENTER(in, sdk, J_INT("deviceIndex", deviceIndex), J_INT("uniqueIdUTF8Length", uniqueIdUTF8Length),
               J_INT("deviceNameUTF8Length", deviceNameUTF8Length));
    /* Manual: -1 names the default device; the parameter is unsigned, so it arrives as UINT_MAX. */
    int i = deviceIndex == UINT_MAX ? 0 : deviceIndex < (unsigned int)COUNT(camera_ids) ? (int)deviceIndex : -1;
    int rc;
    if (!uniqueIdUTF8 || !deviceNameUTF8)
        rc = ECoreArgumentNull;
    else if (i < 0)
        rc = EVideoGetDeviceNameFailure;
    else if ((rc = text_out(camera_ids[i], strlen(camera_ids[i]), uniqueIdUTF8, uniqueIdUTF8Length)) == 0)
        rc = text_out(camera_names[i], strlen(camera_names[i]), deviceNameUTF8, deviceNameUTF8Length);
    STUB_LEAVE(rc);
}

/* The camera whose unique id is the `n` bytes at `id`, or -1. */
static int camera_by_id(const char* id, size_t n)
{
    for (int i = 0; i < COUNT(camera_ids); i++)
        if (strlen(camera_ids[i]) == n && memcmp(camera_ids[i], id, n) == 0)
            return i;
    return -1;
}

int PortSIP_setVideoDeviceId(void* sdk, int deviceId)
{
    STUB_ENTER(in, sdk, J_INT("deviceId", deviceId));
    int rc = 0;
    if (in->sessions.n)
        rc = EVideoCantSetDeviceIdDuringCall;
    else if (deviceId < 0 || deviceId >= COUNT(camera_ids))
        rc = EVideoGetDeviceIdFailure;
    STUB_LEAVE(rc);
}

int PortSIP_showVideoCaptureSettingsDialogBox(void* sdk, const char* uniqueIdUTF8, unsigned int uniqueIdUTF8Length,
                                              const char* dialogTitle, void* parentWindow, unsigned int x, unsigned int y)
{
    STUB_ENTER(in, sdk, J_STR("uniqueIdUTF8", uniqueIdUTF8), J_INT("uniqueIdUTF8Length", uniqueIdUTF8Length),
               J_STR("dialogTitle", dialogTitle), J_PTR("parentWindow", parentWindow), J_INT("x", x), J_INT("y", y));
    int rc = 0; /* stub's choice: no dialog is shown; the device must exist */
    if (!uniqueIdUTF8 || !dialogTitle)
        rc = ECoreArgumentNull;
    else if (uniqueIdUTF8Length > strlen(uniqueIdUTF8) || camera_by_id(uniqueIdUTF8, uniqueIdUTF8Length) < 0)
        rc = EVideoGetDeviceIdFailure;
    STUB_LEAVE(rc);
}
