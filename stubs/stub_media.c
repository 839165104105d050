/*
 * stub_media.c - Codecs, audio processing, video settings, the media settings of a call, RTP statistics,
 * and an instance's media state (media_init / media_free). Nothing here processes real media: the stub
 * checks arguments, returns the vendor's codes and keeps what something reads back later.
 */
#include "stub_internal.h"

/* enums.tsv: AUDIOCODEC_TYPE and VIDEOCODEC_TYPE values (NONE left out); each value is also the
 * codec's default RTP payload type. */
static const int audio_codec_types[STUB_AUDIO_CODECS] = {18, 8, 0, 3, 9, 97, 98, 99, 100, 102, 103, 104, 121, 105, 101};
static const int video_codec_types[STUB_VIDEO_CODECS] = {113, 34, 115, 125, 120, 122};

#define DYNAMIC_PAYLOAD_MIN 96 /* RFC 3551: 96-127 are dynamic; lower payload types are static */
#define DYNAMIC_PAYLOAD_MAX 127
#define DEFAULT_VOLUME 128     /* stub's choice: mid-range of the manual's 0-255 */
#define DEFAULT_WIDTH 352      /* stub's choice: CIF until setVideoResolution */
#define DEFAULT_HEIGHT 288
#define DEFAULT_VIDEO_BITRATE_KBPS 500
#define DEFAULT_VIDEO_FRAME_RATE 15

void media_init(instance* in)
{
    for (int i = 0; i < STUB_AUDIO_CODECS; i++)
        in->audio_codecs[i].payload = audio_codec_types[i];
    for (int i = 0; i < STUB_VIDEO_CODECS; i++)
        in->video_codecs[i].payload = video_codec_types[i];
    in->video_width = DEFAULT_WIDTH;
    in->video_height = DEFAULT_HEIGHT;
    in->speaker_volume = in->mic_volume = DEFAULT_VOLUME;
}

/* Frame sources are already joined (frame_sources_join) when this runs. */
void media_free(instance* in)
{
    sip_header* h = in->sip_headers.items;
    for (size_t i = 0; i < in->sip_headers.n; i++)
        sip_header_free(&h[i]);
    vec_free(&in->sip_headers);
    vec_free(&in->frame_sources);
}

/* ======================================================================== codecs */

/* The audio or the video codecs of an instance, with their vendor type values. */
typedef struct codec_set {
    codec_state* state;
    const int* types;
    int n;
} codec_set;

static codec_set audio_codecs(instance* in) { return (codec_set){in->audio_codecs, audio_codec_types, STUB_AUDIO_CODECS}; }

static codec_set video_codecs(instance* in) { return (codec_set){in->video_codecs, video_codec_types, STUB_VIDEO_CODECS}; }

static int codec_index(codec_set set, int codecType)
{
    for (int i = 0; i < set.n; i++)
        if (set.types[i] == codecType)
            return i;
    return -1;
}

static int add_codec(instance* in, codec_set set, int codecType)
{
    int i = codec_index(set, codecType);
    if (i < 0)
        return ECoreCodecTypeInvalid;
    if (set.state[i].order)
        return ECoreCodecWasExist;
    set.state[i].order = ++in->next_codec_order; /* manual: enabled codecs appear in the SDP */
    return 0;
}

static bool codecs_empty(codec_set set)
{
    for (int i = 0; i < set.n; i++)
        if (set.state[i].order)
            return false;
    return true;
}

/* Manual: clear removes every enabled codec. Stub's choice: payload types set earlier are kept. */
static void clear_codecs(codec_set set)
{
    for (int i = 0; i < set.n; i++)
        set.state[i].order = 0;
}

/* Manual: the payload type of a dynamic codec can be changed. A static payload type (below 96) is
 * fixed, a new one must be dynamic (96-127) and not used by another codec of the same kind. */
static int set_payload_type(codec_set set, int codecType, int payloadType)
{
    int i = codec_index(set, codecType);
    if (i < 0)
        return ECoreCodecTypeInvalid;
    if (set.types[i] < DYNAMIC_PAYLOAD_MIN)
        return ECoreFixPayloadCantChange;
    if (payloadType < DYNAMIC_PAYLOAD_MIN || payloadType > DYNAMIC_PAYLOAD_MAX)
        return ECorePayloadOutofRange;
    for (int k = 0; k < set.n; k++)
        if (k != i && set.state[k].payload == payloadType)
            return ECorePayloadHasExist;
    set.state[i].payload = payloadType;
    return 0;
}

/* Stub's choice: the parameter (an fmtp string) is checked, not kept: nothing reads it back. */
static int set_codec_parameter(codec_set set, int codecType, const char* parameter)
{
    if (!parameter)
        return ECoreArgumentNull;
    return codec_index(set, codecType) < 0 ? ECoreCodecTypeInvalid : 0;
}

/* The codec offered first (what the statistics report as in use), or -1 (AUDIOCODEC_NONE / VIDEO_CODEC_NONE). */
static int first_codec(codec_set set)
{
    int best = -1, best_order = INT_MAX;
    for (int i = 0; i < set.n; i++)
        if (set.state[i].order && set.state[i].order < best_order) {
            best = set.types[i];
            best_order = set.state[i].order;
        }
    return best;
}

int PortSIP_addAudioCodec(void* sdk, int codecType)
{
    STUB_ENTER(in, sdk, J_INT("codecType", codecType));
    STUB_LEAVE(add_codec(in, audio_codecs(in), codecType));
}

int PortSIP_addVideoCodec(void* sdk, int codecType)
{
    STUB_ENTER(in, sdk, J_INT("codecType", codecType));
    STUB_LEAVE(add_codec(in, video_codecs(in), codecType));
}

/* A stale handle gets true (its nonzero code as a bool): no codecs, as the vendor's .NET wrapper answers. */
bool PortSIP_isAudioCodecEmpty(void* sdk)
{
    STUB_ENTER0(in, sdk);
    STUB_LEAVE(codecs_empty(audio_codecs(in)));
}

bool PortSIP_isVideoCodecEmpty(void* sdk)
{
    STUB_ENTER0(in, sdk);
    STUB_LEAVE(codecs_empty(video_codecs(in)));
}

int PortSIP_setAudioCodecPayloadType(void* sdk, int codecType, int payloadType)
{
    STUB_ENTER(in, sdk, J_INT("codecType", codecType), J_INT("payloadType", payloadType));
    STUB_LEAVE(set_payload_type(audio_codecs(in), codecType, payloadType));
}

int PortSIP_setVideoCodecPayloadType(void* sdk, int codecType, int payloadType)
{
    STUB_ENTER(in, sdk, J_INT("codecType", codecType), J_INT("payloadType", payloadType));
    STUB_LEAVE(set_payload_type(video_codecs(in), codecType, payloadType));
}

void PortSIP_clearAudioCodec(void* sdk)
{
    STUB_ENTER0_VOID(in, sdk);
    clear_codecs(audio_codecs(in));
    STUB_LEAVE_VOID();
}

void PortSIP_clearVideoCodec(void* sdk)
{
    STUB_ENTER0_VOID(in, sdk);
    clear_codecs(video_codecs(in));
    STUB_LEAVE_VOID();
}

int PortSIP_setAudioCodecParameter(void* sdk, int codecType, const char* parameter)
{
    STUB_ENTER(in, sdk, J_INT("codecType", codecType), J_STR("parameter", parameter));
    STUB_LEAVE(set_codec_parameter(audio_codecs(in), codecType, parameter));
}

int PortSIP_setVideoCodecParameter(void* sdk, int codecType, const char* parameter)
{
    STUB_ENTER(in, sdk, J_INT("codecType", codecType), J_STR("parameter", parameter));
    STUB_LEAVE(set_codec_parameter(video_codecs(in), codecType, parameter));
}

/* ======================================================================== audio processing */

/* The audio engine's switches: nothing in the stub processes audio, so they are only recorded. */
void PortSIP_enableAEC(void* sdk, bool ecMode)
{
    STUB_ENTER_VOID(in, sdk, J_BOOL("ecMode", ecMode));
    STUB_LEAVE_VOID();
}

void PortSIP_enableAGC(void* sdk, bool agcMode)
{
    STUB_ENTER_VOID(in, sdk, J_BOOL("agcMode", agcMode));
    STUB_LEAVE_VOID();
}

void PortSIP_enableANS(void* sdk, bool nsMode)
{
    STUB_ENTER_VOID(in, sdk, J_BOOL("nsMode", nsMode));
    STUB_LEAVE_VOID();
}

void PortSIP_enableCNG(void* sdk, bool state)
{
    STUB_ENTER_VOID(in, sdk, J_BOOL("state", state));
    STUB_LEAVE_VOID();
}

void PortSIP_enableVAD(void* sdk, bool state)
{
    STUB_ENTER_VOID(in, sdk, J_BOOL("state", state));
    STUB_LEAVE_VOID();
}

int PortSIP_enableAudioQos(void* sdk, bool state)
{
    STUB_ENTER(in, sdk, J_BOOL("state", state)); /* manual: DSCP 46 when on, 0 when off */
    STUB_LEAVE(0);
}

int PortSIP_setAudioSamples(void* sdk, int ptime, int maxPtime)
{
    STUB_ENTER(in, sdk, J_INT("ptime", ptime), J_INT("maxPtime", maxPtime));
    /* Manual: both multiples of 10 within 10-60, and maxPtime not below ptime. */
    int rc = 0;
    if (ptime % 10 || maxPtime % 10)
        rc = ECoreAudioSampleNotmultiple;
    else if (ptime < 10 || ptime > 60 || maxPtime < 10 || maxPtime > 60 || maxPtime < ptime)
        rc = ECoreAudioSampleOutOfRange;
    STUB_LEAVE(rc);
}

int PortSIP_setAudioBitrate(void* sdk, long sessionId, int audioCodecType, int bitrateKbps)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_INT("audioCodecType", audioCodecType),
               J_INT("bitrateKbps", bitrateKbps));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!rc) {
        if (codec_index(audio_codecs(in), audioCodecType) < 0)
            rc = ECoreCodecTypeInvalid;
        else if (bitrateKbps <= 0) /* stub's choice */
            rc = ECoreArgumentIncorrect;
    }
    STUB_LEAVE(rc);
}

/* Manual: the RFC 3556 RR, RS (bits) and AS (kbit) bandwidth modifiers of one call. */
static int rtcp_bandwidth(instance* in, long sessionId, int BitsRR, int BitsRS, int KBitsAS)
{
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!rc && (BitsRR < 0 || BitsRS < 0 || KBitsAS < 0))
        rc = ECoreArgumentIncorrect;
    return rc;
}

int PortSIP_setAudioRtcpBandwidth(void* sdk, long sessionId, int BitsRR, int BitsRS, int KBitsAS)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_INT("BitsRR", BitsRR), J_INT("BitsRS", BitsRS),
               J_INT("KBitsAS", KBitsAS));
    STUB_LEAVE(rtcp_bandwidth(in, sessionId, BitsRR, BitsRS, KBitsAS));
}

/* Void in the import library: nothing to report, so only recorded (manual: 0-1000, default 100). */
void PortSIP_setChannelInputVolumeScaling(void* sdk, long sessionId, int scaling)
{
    STUB_ENTER_VOID(in, sdk, J_LONG("sessionId", sessionId), J_INT("scaling", scaling));
    STUB_LEAVE_VOID();
}

void PortSIP_setChannelOutputVolumeScaling(void* sdk, long sessionId, int scaling)
{
    STUB_ENTER_VOID(in, sdk, J_LONG("sessionId", sessionId), J_INT("scaling", scaling));
    STUB_LEAVE_VOID();
}

/* ======================================================================== video */

int PortSIP_enableVideoQos(void* sdk, bool state)
{
    STUB_ENTER(in, sdk, J_BOOL("state", state)); /* manual: DSCP 34 when on, 0 when off */
    STUB_LEAVE(0);
}

int PortSIP_setVideoMTU(void* sdk, int mtu)
{
    STUB_ENTER(in, sdk, J_INT("mtu", mtu));
    /* Manual: values outside 512-65507 are replaced by the default 1450, not refused. Nothing in
     * the stub packetizes video, so there is nothing to keep. */
    STUB_LEAVE(0);
}

int PortSIP_setVideoNackStatus(void* sdk, bool state)
{
    STUB_ENTER(in, sdk, J_BOOL("state", state));
    STUB_LEAVE(0);
}

int PortSIP_setVideoResolution(void* sdk, int width, int height)
{
    STUB_ENTER(in, sdk, J_INT("width", width), J_INT("height", height));
    int rc = EVideoUnsupportCaptureResolution; /* stub's choice: I420 needs positive, even sizes */
    if (width > 0 && height > 0 && width % 2 == 0 && height % 2 == 0) {
        in->video_width = width;
        in->video_height = height;
        rc = 0;
    }
    STUB_LEAVE(rc);
}

int PortSIP_setVideoBitrate(void* sdk, long sessionId, int bitrateKbps)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_INT("bitrateKbps", bitrateKbps));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!s)
        STUB_LEAVE(rc);
    if (bitrateKbps <= 0) /* stub's choice */
        rc = ECoreArgumentIncorrect;
    else
        s->media.video_bitrate_kbps = bitrateKbps;
    STUB_LEAVE(rc);
}

int PortSIP_setVideoFrameRate(void* sdk, long sessionId, int frameRate)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_INT("frameRate", frameRate));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!s)
        STUB_LEAVE(rc);
    if (frameRate < 5 || frameRate > 30) /* manual: 5-30 */
        rc = ECoreArgumentIncorrect;
    else
        s->media.video_frame_rate = frameRate;
    STUB_LEAVE(rc);
}

int PortSIP_setVideoRtcpBandwidth(void* sdk, long sessionId, int BitsRR, int BitsRS, int KBitsAS)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_INT("BitsRR", BitsRR), J_INT("BitsRS", BitsRS),
               J_INT("KBitsAS", KBitsAS));
    STUB_LEAVE(rtcp_bandwidth(in, sessionId, BitsRR, BitsRS, KBitsAS));
}

/* Windows are the application's: the stub draws nothing, so the handles are only recorded. */
void PortSIP_setLocalVideoWindow(void* sdk, void* localVideoWindow)
{
    STUB_ENTER_VOID(in, sdk, J_PTR("localVideoWindow", localVideoWindow));
    STUB_LEAVE_VOID();
}

int PortSIP_setRemoteVideoWindow(void* sdk, long sessionId, void* remoteVideoWindow)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_PTR("remoteVideoWindow", remoteVideoWindow));
    session* s; /* a NULL window is allowed: it detaches */
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    STUB_LEAVE(rc);
}

int PortSIP_displayLocalVideo(void* sdk, bool state, bool mirror)
{
    STUB_ENTER(in, sdk, J_BOOL("state", state), J_BOOL("mirror", mirror));
    STUB_LEAVE(0);
}

int PortSIP_sendVideo(void* sdk, long sessionId, bool sendState)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_BOOL("sendState", sendState));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    STUB_LEAVE(rc);
}

/* ======================================================================== statistics */

/* Write values[k] to *out[k]; ECoreArgumentNull if any out-pointer is NULL (nothing written then). */
static int write_counters(int* const* out, const int* values, int n)
{
    for (int k = 0; k < n; k++)
        if (!out[k])
            return ECoreArgumentNull;
    for (int k = 0; k < n; k++)
        *out[k] = values[k];
    return 0;
}

int PortSIP_getAudioStatistics(void* sdk, long sessionId, int* sendBytes, int* sendPackets, int* sendPacketsLost,
                               int* sendFractionLost, int* sendRttMS, int* sendCodecType, int* sendJitterMS,
                               int* sendAudioLevel, int* recvBytes, int* recvPackets, int* recvPacketsLost,
                               int* recvFractionLost, int* recvCodecType, int* recvJitterMS, int* recvAudioLevel)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId)); /* the rest are out-pointers */
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!rc) {
        /* Stub's choice: five seconds of 20 ms packets of the first enabled codec; a muted
         * microphone sends level 0 (manual: levels are 0-9). */
        int codec = first_codec(audio_codecs(in));
        int* const out[] = {sendBytes, sendPackets, sendPacketsLost, sendFractionLost, sendRttMS,
                            sendCodecType, sendJitterMS, sendAudioLevel, recvBytes, recvPackets,
                            recvPacketsLost, recvFractionLost, recvCodecType, recvJitterMS, recvAudioLevel};
        const int values[] = {40000, 250, 2, 1, 40, codec, 3, in->mic_muted ? 0 : 6, 39680, 248, 3, 1, codec, 4, 5};
        rc = write_counters(out, values, (int)(sizeof values / sizeof values[0]));
    }
    STUB_LEAVE(rc);
}

int PortSIP_getVideoStatistics(void* sdk, long sessionId, int* sendBytes, int* sendPackets, int* sendPacketsLost,
                               int* sendFractionLost, int* sendRttMS, int* sendCodecType, int* sendFrameWidth,
                               int* sendFrameHeight, int* sendBitrateBPS, int* sendFramerate, int* recvBytes,
                               int* recvPackets, int* recvPacketsLost, int* recvFractionLost, int* recvCodecType,
                               int* recvFrameWidth, int* recvFrameHeight, int* recvBitrateBPS, int* recvFramerate)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (s) {
        /* Stub's choice: the resolution, bitrate and frame rate set are read back; manual: the
         * received bitrate is not implemented (0). */
        int codec = first_codec(video_codecs(in));
        int kbps = s->media.video_bitrate_kbps ? s->media.video_bitrate_kbps : DEFAULT_VIDEO_BITRATE_KBPS;
        int fps = s->media.video_frame_rate ? s->media.video_frame_rate : DEFAULT_VIDEO_FRAME_RATE;
        int bps = kbps <= INT_MAX / 1000 ? kbps * 1000 : INT_MAX;
        int* const out[] = {sendBytes, sendPackets, sendPacketsLost, sendFractionLost, sendRttMS, sendCodecType,
                            sendFrameWidth, sendFrameHeight, sendBitrateBPS, sendFramerate, recvBytes, recvPackets,
                            recvPacketsLost, recvFractionLost, recvCodecType, recvFrameWidth, recvFrameHeight,
                            recvBitrateBPS, recvFramerate};
        const int values[] = {625000, 600, 3, 0, 40, codec, in->video_width, in->video_height, bps, fps,
                              600000, 580, 4, 1, codec, in->video_width, in->video_height, 0, fps};
        rc = write_counters(out, values, (int)(sizeof values / sizeof values[0]));
    }
    STUB_LEAVE(rc);
}
