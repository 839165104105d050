/*
 * stub_streams.c - The media stream callbacks (PortSIP_enableAudioStreamCallback, enableVideoStreamCallback,
 * setRtpCallback) and the frame sources of the test-control API, which call them from their own threads
 * as the SDK's media threads would. Lock order and shutdown: see stub_internal.h.
 */
#include "stub_internal.h"


/* enums.tsv: AUDIOSTREAM_CALLBACK_MODE and VIDEOSTREAM_CALLBACK_MODE are both NONE 0 ... BOTH 3. */
#define STREAM_MODE_NONE 0
#define STREAM_MODE_BOTH 3

/* Store (or, with fn NULL, clear) a callback enabled with `mode`. Manual: the mode must be one of
 * the enum's values other than NONE, and a handler is needed to enable. */
static int store_stream_callback(stream_callback* slot, stub_fn fn, int mode, void* object)
{
    if (mode <= STREAM_MODE_NONE || mode > STREAM_MODE_BOTH)
        return ECoreNotSupportCallbackMode;
    if (!fn)
        return ECoreArgumentNull;
    *slot = (stream_callback){fn, mode, object};
    return 0;
}

int PortSIP_enableAudioStreamCallback(void* sdk, int sessionId, bool enable, int callbackMode, void* callbackObject,
                                      audioRawCallback callbackHandler)
{
    STUB_ENTER(in, sdk, J_INT("sessionId", sessionId), J_BOOL("enable", enable), J_INT("callbackMode", callbackMode),
               J_PTR("callbackObject", callbackObject), J_PTR("callbackHandler", callbackHandler));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s); /* manual: per call */
    if (!s)
        STUB_LEAVE(rc);
    if (!enable)
        s->media.audio_stream = (stream_callback){0};
    else
        rc = store_stream_callback(&s->media.audio_stream, (stub_fn)callbackHandler, callbackMode, callbackObject);
    STUB_LEAVE(rc);
}

int PortSIP_enableVideoStreamCallback(void* sdk, int sessionId, int callbackMode, void* callbackObject,
                                      videoRawCallback callbackHandler)
{
    STUB_ENTER(in, sdk, J_INT("sessionId", sessionId), J_INT("callbackMode", callbackMode),
               J_PTR("callbackObject", callbackObject), J_PTR("callbackHandler", callbackHandler));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!s)
        STUB_LEAVE(rc);
    if (callbackMode == STREAM_MODE_NONE) /* manual: VIDEOSTREAM_NONE disables */
        s->media.video_stream = (stream_callback){0};
    else
        rc = store_stream_callback(&s->media.video_stream, (stub_fn)callbackHandler, callbackMode, callbackObject);
    STUB_LEAVE(rc);
}

int PortSIP_setRtpCallback(void* sdk, void* callbackObj, receivedRTPCallback receivedRTPCallbackHandler,
                           sendingRTPCallback sendingRTPCallbackHandler)
{
    STUB_ENTER(in, sdk, J_PTR("callbackObj", callbackObj), J_PTR("receivedRTPCallbackHandler", receivedRTPCallbackHandler),
               J_PTR("sendingRTPCallbackHandler", sendingRTPCallbackHandler));
    /* Manual: per instance, for every call; a NULL handler disables its direction. */
    in->rtp_received = (stream_callback){(stub_fn)receivedRTPCallbackHandler, 0, callbackObj};
    in->rtp_sending = (stream_callback){(stub_fn)sendingRTPCallbackHandler, 0, callbackObj};
    STUB_LEAVE(0);
}

/* Stub's choice: the stub never hands out a callback-parameter object (the dispatcher API passes
 * plain arguments), so there is nothing to free; the call is only recorded. */
void PortSIP_delCallbackParameters(void* parameters)
{
    STUB_ENTER_PROCESS(J_PTR("parameters", parameters));
    STUB_LEAVE_VOID();
}

/* ======================================================================== frame sources */

#define MAX_TIMED_FRAMES 10000000

struct frame_source {
    long id;
    ps_thread thread;
    instance* in;        /* read under g_mu while !stop: unInitialize sets stop before the instance goes */
    ps_cond wake; /* with g_mu: cuts the pause between frames short when stopping */
    stub_frame frame;    /* frame.data is not used: `data` is the source's own copy */
    unsigned char* data;
    int count, interval_ms;
    int delivered;
    long long* durations; /* ns per callback call, for stub_flood_durations; NULL if count was too large */
    bool stop, done;
    bool self_free; /* unInitialize ran inside this source's callback: the thread frees the source */
};

typedef struct frame_source frame_source;

static void source_free(frame_source* src)
{
    free(src->durations);
    ps_cond_destroy(&src->wake);
    free(src->data);
    free(src);
}

/* The callback a frame goes to, looked up now. Caller holds g_mu. false: the call has ended. */
static bool frame_target_locked(const frame_source* src, stream_callback* cb)
{
    const session* s = find_session(src->in, src->frame.session_id);
    if (!s)
        return false;
    switch (src->frame.kind) {
    case STUB_STREAM_AUDIO: *cb = s->media.audio_stream; break;
    case STUB_STREAM_VIDEO: *cb = s->media.video_stream; break;
    case STUB_STREAM_RTP_RECEIVED: *cb = src->in->rtp_received; break;
    default: *cb = src->in->rtp_sending; break;
    }
    return true;
}

/* Call the application with its exact callback type; `buf` holds a copy of the frame. */
static void deliver(const stub_frame* f, stream_callback cb, unsigned char* buf)
{
    switch (f->kind) {
    case STUB_STREAM_AUDIO:
        ((audioRawCallback)cb.fn)(cb.object, f->session_id, cb.mode, buf, f->size, f->sampling_freq_hz);
        break;
    case STUB_STREAM_VIDEO:
        ((videoRawCallback)cb.fn)(cb.object, f->session_id, cb.mode, f->width, f->height, buf, f->size);
        break;
    case STUB_STREAM_RTP_RECEIVED:
        ((receivedRTPCallback)cb.fn)(cb.object, f->session_id, f->is_audio != 0, buf, f->size);
        break;
    default:
        ((sendingRTPCallback)cb.fn)(cb.object, f->session_id, f->is_audio != 0, buf, f->size);
        break;
    }
}

static void source_main(void* arg)
{
    frame_source* src = arg;
    ps_mutex_lock(&g_mu);
    for (int k = 0; k < src->count && !src->stop; k++) {
        if (k > 0 && src->interval_ms > 0) {
            int64_t due = ps_now_ns() + (int64_t)src->interval_ms * 1000000;
            while (!src->stop && ps_cond_wait_until(&src->wake, &g_mu, due) != PS_TIMEDOUT)
                continue; /* woken early (or spuriously): stop, or sleep on */
            if (src->stop)
                break;
        }
        stream_callback cb;
        if (!frame_target_locked(src, &cb))
            break;
        if (!cb.fn)
            continue; /* nothing enabled: the frame goes nowhere */
        ps_mutex_unlock(&g_mu);
        /* A fresh copy per call, wiped when it returns: a consumer that keeps the pointer sees garbage. */
        size_t size = (size_t)src->frame.size;
        unsigned char* buf = dup_bytes(src->data, size);
        int64_t took = 0;
        if (buf) {
            int64_t before = ps_now_ns();
            deliver(&src->frame, cb, buf);
            took = ps_now_ns() - before;
            wipe_free(buf, size + 1);
        }
        ps_mutex_lock(&g_mu);
        if (buf) {
            if (src->durations)
                src->durations[src->delivered] = took;
            src->delivered++;
        }
    }
    src->done = true;
    bool self_free = src->self_free;
    ps_mutex_unlock(&g_mu);
    if (self_free)
        source_free(src);
}

long frame_source_start_locked(instance* in, const stub_frame* frame, int count, int interval_ms)
{
    if (!frame || frame->kind < STUB_STREAM_AUDIO || frame->kind > STUB_STREAM_RTP_SENDING || frame->size < 0 ||
        (!frame->data && frame->size > 0) || count < 0 || interval_ms < 0)
        return ECoreArgumentIncorrect;
    if (!find_session(in, frame->session_id))
        return ECoreInviteSessionNotFound;
    long id = new_frame_source_id(in);
    frame_source* src = calloc(1, sizeof *src);
    unsigned char* data = src ? dup_bytes(frame->data, (size_t)frame->size) : NULL;
    frame_source** slot = data ? vec_push(&in->frame_sources, sizeof *slot) : NULL;
    if (!slot) {
        free(data);
        free(src);
        return ECoreStackFailure;
    }
    *src = (frame_source){.id = id, .in = in, .frame = *frame, .data = data,
                          .count = count, .interval_ms = interval_ms};
    src->frame.data = NULL;
    if (count > 0 && count <= MAX_TIMED_FRAMES) /* timing is a convenience: without memory, no timing */
        src->durations = calloc((size_t)count, sizeof *src->durations);
    if (ps_cond_init(&src->wake) != 0) {
        in->frame_sources.n--;
        free(data);
        free(src);
        return ECoreStackFailure;
    }
    if (ps_thread_create(&src->thread, source_main, src) != 0) { /* it waits for g_mu, held here */
        in->frame_sources.n--;
        source_free(src);
        return ECoreStackFailure;
    }
    *slot = src;
    return src->id;
}

/* A frame source id is in use while its source has not been reaped. Caller holds g_mu. */
bool frame_source_id_taken(const instance* in, long id)
{
    frame_source* const* all = in->frame_sources.items;
    for (size_t i = 0; i < in->frame_sources.n; i++)
        if (all[i]->id == id)
            return true;
    return false;
}

/* 1 and the finished source (out of the instance, to reap without g_mu), 0 while it runs, or the
 * vendor code for an unknown id. Caller holds g_mu. */
int frame_source_poll_locked(instance* in, long source, int* delivered, frame_source** finished)
{
    frame_source** all = in->frame_sources.items;
    for (size_t i = 0; i < in->frame_sources.n; i++)
        if (all[i]->id == source) {
            if (!all[i]->done)
                return 0;
            if (delivered)
                *delivered = all[i]->delivered;
            if (all[i]->durations) { /* the durations of the last waited source or flood (stub_flood_durations) */
                free(in->flood_durations);
                in->flood_durations = all[i]->durations;
                in->flood_count = all[i]->delivered;
                all[i]->durations = NULL;
            }
            *finished = all[i];
            vec_remove(&in->frame_sources, i, sizeof *all);
            return 1;
        }
    return ECoreArgumentIncorrect;
}

void frame_source_reap(frame_source* finished)
{
    ps_thread_join(&finished->thread);
    source_free(finished);
}

/* unInitialize, under g_mu: stop every source of the instance. One whose callback is running on this
 * very thread cannot be joined: it leaves the instance and frees itself when the callback returns. */
void frame_sources_stop_locked(instance* in)
{
    frame_source** all = in->frame_sources.items;
    for (size_t i = in->frame_sources.n; i-- > 0;) {
        all[i]->stop = true;
        ps_cond_signal(&all[i]->wake);
        if (ps_thread_equal(ps_thread_self(), ps_thread_id_of(&all[i]->thread))) {
            all[i]->self_free = true;
            ps_thread_detach(&all[i]->thread);
            vec_remove(&in->frame_sources, i, sizeof *all);
        }
    }
}

/* unInitialize, without g_mu (a source may be taking it): wait for the stopped sources. */
void frame_sources_join(instance* in)
{
    frame_source** all = in->frame_sources.items;
    for (size_t i = 0; i < in->frame_sources.n; i++)
        frame_source_reap(all[i]);
    vec_free(&in->frame_sources);
}
