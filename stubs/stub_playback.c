/*
 * stub_playback.c - Recording a call, files played to the remote side (audio, background audio, video), and
 * the PCM and video streams an application sends to the remote side instead of microphone and camera.
 * The stub opens no file: names are checked, not read.
 */
#include "stub_internal.h"

#define PLAYBACK_MS 50 /* stub's choice: a file played once lasts 50 ms, then its *FileFinished event fires */

/* enums.tsv: AUDIO_FILE_FORMAT 0-4, RECORD_MODE 0-3, VIDEOCODEC_TYPE (NONE -1 allowed: audio only). */
static bool valid_video_codec(int type)
{
    static const int types[] = {-1, 113, 34, 115, 125, 120, 122};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i] == type)
            return true;
    return false;
}

static int start_record_locked(instance* in, long sessionId, const char* recordFilePath, const char* recordFileName,
                               int audioFileFormat, int audioRecordMode, int videoFileCodecType, int videoRecordMode)
{
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!s)
        return rc;
    if (!recordFilePath || !recordFileName)
        return ECoreArgumentNull;
    if (!*recordFilePath || !*recordFileName)
        return EAudioFileNameEmpty;
    if (audioFileFormat < 0 || audioFileFormat > 4 || audioRecordMode < 0 || audioRecordMode > 3 ||
        videoRecordMode < 0 || videoRecordMode > 3 || !valid_video_codec(videoFileCodecType))
        return ECoreArgumentIncorrect;
    if (s->media.recording) /* stub's choice: one recording per call at a time */
        return EAudioStartRecordFailure;
    s->media.recording = true;
    return 0;
}

int PortSIP_startRecord(void* sdk, long sessionId, const char* recordFilePath, const char* recordFileName,
                        bool appendTimeStamp, int audioFileFormat, int audioRecordMode, int videoFileCodecType,
                        int videoRecordMode)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_STR("recordFilePath", recordFilePath),
               J_STR("recordFileName", recordFileName), J_BOOL("appendTimeStamp", appendTimeStamp),
               J_INT("audioFileFormat", audioFileFormat), J_INT("audioRecordMode", audioRecordMode),
               J_INT("videoFileCodecType", videoFileCodecType), J_INT("videoRecordMode", videoRecordMode));
    STUB_LEAVE(start_record_locked(in, sessionId, recordFilePath, recordFileName, audioFileFormat, audioRecordMode,
                                   videoFileCodecType, videoRecordMode));
}

int PortSIP_stopRecord(void* sdk, long sessionId)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (s) /* stub's choice: stopping when not recording is no error */
        s->media.recording = false;
    STUB_LEAVE(rc);
}

/* ======================================================================== files played to the remote side */

/* The call `sessionId` ends: stub's choice, the files played into it stop without their end events. */
void playback_end(instance* in, long sessionId)
{
    job_cancel(in, STUB_EV_playAudioFileFinished, sessionId);
    job_cancel(in, STUB_EV_playVideoFileFinished, sessionId);
}

/* Start playing a file once or in a loop. A file played once is playing while its end event
 * (`finished`, whose first argument is the session id) is queued; stopping cancels that event.
 * A looping file plays until stopped and has no end. */
static int play_file(instance* in, session* s, bool* looping, int finished, bool loop, int busy, int nargs,
                     const stub_arg* end)
{
    if (*looping || job_queued(in, finished, s->id))
        return busy;
    if (loop)
        *looping = true;
    else
        fire(in, finished, PLAYBACK_MS, nargs, end);
    return 0;
}

static int stop_file(instance* in, long sessionId, bool video)
{
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!s)
        return rc;
    /* stub's choice: stopping when nothing plays is no error, and a file stopped early has no end
     * event (manual: the event reports a file played to its end without looping) */
    *(video ? &s->media.video_file_looping : &s->media.audio_file_looping) = false;
    job_cancel(in, video ? STUB_EV_playVideoFileFinished : STUB_EV_playAudioFileFinished, sessionId);
    return 0;
}

/* The call a wave file is to be played into, or NULL with *rc the vendor's code for the session or the
 * file given. Manual: wave files of 8000, 16000 or 32000 samples per second. */
static session* audio_file_call(instance* in, long sessionId, const char* fileName, int fileSamplesPerSec, int* rc)
{
    session* s;
    *rc = call_session(in, sessionId, ANY_STATE, &s);
    if (s && !fileName)
        *rc = ECoreArgumentNull;
    else if (s && !*fileName)
        *rc = EAudioFileNameEmpty;
    else if (s && fileSamplesPerSec != 8000 && fileSamplesPerSec != 16000 && fileSamplesPerSec != 32000)
        *rc = ECoreArgumentIncorrect;
    return *rc ? NULL : s;
}

static int play_audio_locked(instance* in, long sessionId, const char* fileName, int fileSamplesPerSec, bool loop)
{
    int rc = 0;
    session* s = audio_file_call(in, sessionId, fileName, fileSamplesPerSec, &rc);
    if (!s)
        return rc;
    const stub_arg end[] = {A_L(sessionId), A_S(fileName)};
    return play_file(in, s, &s->media.audio_file_looping, STUB_EV_playAudioFileFinished, loop, EAudioIsPlaying, 2, end);
}

int PortSIP_playAudioFileToRemote(void* sdk, long sessionId, const char* fileName, int fileSamplesPerSec, bool loop)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_STR("fileName", fileName),
               J_INT("fileSamplesPerSec", fileSamplesPerSec), J_BOOL("loop", loop));
    STUB_LEAVE(play_audio_locked(in, sessionId, fileName, fileSamplesPerSec, loop));
}

int PortSIP_stopPlayAudioFileToRemote(void* sdk, long sessionId)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId));
    STUB_LEAVE(stop_file(in, sessionId, false));
}

/* Manual: a background sound mixed into the call; it has no loop flag and no end event, so the
 * stub plays it until stopped. */
static int play_background_locked(instance* in, long sessionId, const char* fileName, int fileSamplesPerSec)
{
    int rc = 0;
    session* s = audio_file_call(in, sessionId, fileName, fileSamplesPerSec, &rc);
    if (!s)
        return rc;
    if (s->media.background_audio)
        return EAudioIsPlaying;
    s->media.background_audio = true;
    return 0;
}

int PortSIP_playAudioFileToRemoteAsBackground(void* sdk, long sessionId, const char* fileName, int fileSamplesPerSec)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_STR("fileName", fileName),
               J_INT("fileSamplesPerSec", fileSamplesPerSec));
    STUB_LEAVE(play_background_locked(in, sessionId, fileName, fileSamplesPerSec));
}

int PortSIP_stopPlayAudioFileToRemoteAsBackground(void* sdk, long sessionId)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (s)
        s->media.background_audio = false;
    STUB_LEAVE(rc);
}

static int play_video_locked(instance* in, long sessionId, const char* aviFile, bool loop)
{
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!s)
        return rc;
    if (!aviFile)
        return ECoreArgumentNull;
    if (!*aviFile)
        return EVideoFileNameEmpty;
    const stub_arg end[] = {A_L(sessionId)};
    /* stub's choice of code for a second file while one plays: the AVI cannot start */
    return play_file(in, s, &s->media.video_file_looping, STUB_EV_playVideoFileFinished, loop, EVideoStartPlayAviFailure,
                     1, end);
}

int PortSIP_playVideoFileToRemote(void* sdk, long sessionId, const char* aviFile, bool loop, bool playAudio)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_STR("aviFile", aviFile), J_BOOL("loop", loop),
               J_BOOL("playAudio", playAudio));
    STUB_LEAVE(play_video_locked(in, sessionId, aviFile, loop));
}

int PortSIP_stopPlayVideoFileToRemote(void* sdk, long sessionId)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId));
    STUB_LEAVE(stop_file(in, sessionId, true));
}

/* ======================================================================== streams sent to the remote side */

int PortSIP_enableSendPcmStreamToRemote(void* sdk, long sessionId, bool state, int streamSamplesPerSec)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_BOOL("state", state),
               J_INT("streamSamplesPerSec", streamSamplesPerSec));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!s)
        STUB_LEAVE(rc);
    if (!state)
        s->media.pcm_stream_samples_per_sec = 0;
    else if (streamSamplesPerSec <= 0)
        rc = ECoreArgumentIncorrect;
    else if (s->media.pcm_stream_samples_per_sec) /* stub's choice: enabling twice is a misuse */
        rc = EAudioPlaySteamAlreadyEnabled;
    else
        s->media.pcm_stream_samples_per_sec = streamSamplesPerSec;
    STUB_LEAVE(rc);
}

int PortSIP_sendPcmStreamToRemote(void* sdk, long sessionId, const unsigned char* data, int dataLength)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_DATA("data", data, dataLength), J_INT("dataLength", dataLength));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!s)
        STUB_LEAVE(rc);
    if (!s->media.pcm_stream_samples_per_sec) /* manual: enableSendPcmStreamToRemote first */
        rc = EAudioPlaySteamNotEnabled;
    else if (!data)
        rc = ECoreArgumentNull;
    else if (dataLength <= 0 || dataLength % 2) /* manual: 16-bit mono samples */
        rc = ECoreArgumentIncorrect;
    STUB_LEAVE(rc);
}

int PortSIP_enableSendVideoStreamToRemote(void* sdk, long sessionId, bool state)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_BOOL("state", state));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (s)
        s->media.video_stream_enabled = state;
    STUB_LEAVE(rc);
}

int PortSIP_sendVideoStreamToRemote(void* sdk, long sessionId, const unsigned char* data, int dataLength, int width,
                                    int height)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_DATA("data", data, dataLength), J_INT("dataLength", dataLength),
               J_INT("width", width), J_INT("height", height));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!s)
        STUB_LEAVE(rc);
    if (!s->media.video_stream_enabled) /* manual: enableSendVideoStreamToRemote first; stub's code */
        rc = EVideoStartSendFailure;
    else if (!data)
        rc = ECoreArgumentNull;
    else if (width <= 0 || height <= 0 || width % 2 || height % 2 ||
             (long long)dataLength != (long long)width * height * 3 / 2) /* manual: one I420 frame */
        rc = ECoreArgumentIncorrect;
    STUB_LEAVE(rc);
}
