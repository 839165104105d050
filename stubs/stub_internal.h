/*
 * stub_internal.h - private to the stub library: its state, its lock order, and what its files share.
 *
 * The stub is an in-process stand-in for the PortSIP VoIP SDK v17.1 C ABI, for tests. Together its
 * files implement every function of native/portsip_abi.h and the test-control API of
 * stubs/portsip_stub.h. There is no SIP: instances in one process reach each other through a
 * global registry, by the SIP URI of their user, like two SDKs on a network. One file per concern:
 *   stub_util.c       helpers for strings, bytes, growable arrays, text out to a caller's buffer, sleeping
 *   stub_ids.c        every id the stub hands out (messages, sessions, subscriptions, REFERs, headers,
 *                     frame sources): one allocator
 *   stub_runtime.c    the per-instance job queue and worker thread, the dispatcher,
 *                     initialize/unInitialize
 *   stub_routing.c    the instance registry, SIP URI matching, lookups of sessions/subscriptions
 *   stub_account.c    the user, its registration and the account extras
 *   stub_messaging.c  MESSAGE in and out of dialog, accepted MIME types
 *   stub_presence.c   presence (P2P and agent mode) and generic subscriptions
 *   stub_local.c      the in-process network (net_*): how a REGISTER, MESSAGE, SUBSCRIBE, NOTIFY or PUBLISH
 *                     reaches other instances through the registry. The wire build (PORTSIP_WIRE) leaves it
 *                     out and links stubs/wire/ instead: the same net_* over real SIP (see "The network";
 *                     stubs/wire/wire.h maps its files)
 *   stub_calls.c      calls between instances: INVITE, answer, reject, hang up, hold, update,
 *                     forwarding, DTMF, INFO, OPTIONS, BLF pickup, and the call settings
 *   stub_transfer.c   REFER: blind and attended transfer, accepting and rejecting
 *   stub_conference.c the instance's conference and its members
 *   stub_media.c      codecs, audio processing, video settings, per-call media settings, statistics;
 *                     an instance's media state (media_init, media_free)
 *   stub_devices.c    audio and video devices, volumes, mute, loopback test
 *   stub_playback.c   recording, files played to the remote side, PCM/video streams sent to it
 *   stub_headers.c    added/modified SIP headers, parsing a header out of a SIP message, signaling callbacks
 *   stub_network.c    transport and RTP/RTCP settings, the host's network interfaces
 *   stub_streams.c    the media stream callbacks (raw audio/video, RTP) and the frame sources that call them
 *   stub_control.c    the journal of calls and the test-control API (stub_*)
 *   stub_load.c       stub_flood: events fired from many native threads, timed (the test-control API)
 *   stub_events.generated.c  the 40 handler setters and the typed call of each handler
 *                     (generated from native/portsip_abi.h; do not edit)
 *
 * Behaviour follows what the vendor's manual documents; comments name the rule ("manual: ...")
 * or say "stub's choice" where the manual is silent.
 *
 * Portability: C11 and its standard library only, plus native/ps_threads.h for threads, locks and
 * the monotonic clock (pthreads, or Win32 on Windows): never pthreads or POSIX calls directly, so
 * the same files build with gcc, clang, mingw-w64 and MSVC.
 *
 * Threads. Every instance owns ONE worker thread. API calls never fire events themselves: they
 * enqueue a job (event + copied arguments + due time) on the target instance's queue, and that
 * instance's worker fires it later (manual: callbacks arrive on an SDK thread).
 *
 * Locks, always taken in this order (never the reverse), and never held while calling a handler:
 *   g_mu       the instance registry and every instance's SIP state (user, ids, sessions,
 *              subscriptions, scripts, journal). Every API call holds it for its whole (short)
 *              run, so an instance found in the registry cannot be freed under the caller.
 *   inst->mu   one instance's job queue, counters and stop flag (shared with its worker).
 *   g_disp_mu  the dispatcher list and all handler slots.
 * The worker never takes g_mu, and never holds inst->mu and g_disp_mu together, so an API call
 * (even one made from inside a callback) cannot deadlock with a worker.
 *
 * fork(): the forking thread takes all of these locks, in this order, just before it (stub_runtime.c),
 * so no lock is held by a thread that does not exist in the child; the child starts with no instances.
 *
 * Frame sources (stub_streams.c, started by the test control stub_frame_source_start) are the stub's
 * media threads: each calls one media stream callback of one instance. A source takes g_mu only to
 * look up the callback before each frame and to sleep between frames (on its own condition variable),
 * and never holds a lock while calling the application. unInitialize stops and joins an instance's
 * sources (frame_sources_stop_locked under g_mu, frame_sources_join after releasing it), so no media
 * callback runs once it has returned.
 */
#ifndef STUB_INTERNAL_H
#define STUB_INTERNAL_H

#include "ps_threads.h" /* first: it sets the feature macros of the system headers */

#include "portsip_abi.h"
#include "portsip_errors.h"
#include "portsip_stub.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything declared from here on is private to the library: not exported from the .so (the
 * public ABI is portsip_abi.h and portsip_stub.h, included above). */
#if defined(__GNUC__) && !defined(_WIN32)
#pragma GCC visibility push(hidden)
#endif

typedef void (*stub_fn)(void);
/* One callback argument: s = string or NULL; d/n = data pointer and the int length argument. */
typedef struct stub_arg {
    long l;
    int i;
    bool b;
    const char* s;
    const unsigned char* d;
    int n;
} stub_arg;

#include "stub_events.generated.h"

#define STUB_MAX_ARGS 10      /* longest event signature ("lssssssbbs") */
#define REGISTER_DELAY_MS 20  /* a registration answer takes a moment, like a server round trip */
#define SDK_MAJOR_VERSION 17
#define SDK_MINOR_VERSION 1

/* A growable array of fixed-size elements. */
typedef struct vec {
    void* items;
    size_t n, cap;
} vec;

typedef struct handler_slot {
    stub_fn fn;
    long idx;
    long obj;
} handler_slot;

typedef struct dispatcher {
    struct dispatcher* next;
    unsigned long long serial; /* tells a released dispatcher from a new one at the same address */
    handler_slot slots[STUB_EVENT_COUNT];
} dispatcher;

typedef struct job {
    struct job* next;
    int event;
    int nargs;
    int64_t due_ns; /* on the monotonic clock of ps_now_ns() */
    stub_arg a[STUB_MAX_ARGS];
    unsigned char* owned[STUB_MAX_ARGS]; /* copies behind a[k].s / a[k].d */
    size_t owned_size[STUB_MAX_ARGS];
} job;

typedef struct journal_entry {
    const char* function;
    int nargs;
    stub_value args[];
} journal_entry;

/* Other instances are referred to by serial number, never by pointer: a serial is looked up in
 * the registry each time, so a peer that was uninitialized (or whose memory was reused) is
 * simply "not there". Serial 0 means no local instance (e.g. an injected, external watcher). */
/* A media stream callback as enableAudioStreamCallback / enableVideoStreamCallback / setRtpCallback
 * stored it: the application's function (NULL: disabled), the mode it was enabled with, and the
 * callbackObject it gets back as its first argument. */
typedef struct stream_callback {
    stub_fn fn;
    int mode;
    void* object;
} stream_callback;

/* What the media functions set on one call (stub_media.c, stub_playback.c, stub_streams.c). Zero
 * means "not set" throughout: a session starts zeroed. */
typedef struct session_media {
    int video_bitrate_kbps, video_frame_rate; /* read back by getVideoStatistics (0: the stub's default) */
    bool recording;
    bool audio_file_looping, video_file_looping; /* a looping file plays until stopped; a file played
                                                    once plays while its *FileFinished event is queued */
    bool background_audio;
    int pcm_stream_samples_per_sec; /* enableSendPcmStreamToRemote; 0: disabled */
    bool video_stream_enabled;      /* enableSendVideoStreamToRemote */
    stream_callback audio_stream, video_stream;
} session_media;

typedef struct session {
    long id;
    unsigned long long peer;
    long peer_id;

    /* Call state (stub_calls.c, stub_transfer.c, stub_conference.c). All-zero is an established
     * audio call, which is what stub_open_session and injected invite events open. */
    int call_state;                  /* CALL_* */
    bool outgoing;                   /* this end placed the call (it is the caller) */
    bool audio_off, video;           /* the call's media, as offered, answered or updated */
    bool held;                       /* this end put the call on hold */
    bool in_conference;              /* joined to this instance's conference */
    unsigned char muted;             /* muteSession flags, MUTE_* bits */
    unsigned long long referrer;     /* placed by acceptRefer: the instance that sent the REFER ... */
    long referrer_session;           /* ... and its session, told how the new call goes */

    /* Media state of the call (stub_media.c, stub_playback.c, stub_streams.c). */
    session_media media;
} session;

enum { CALL_CONNECTED = 0, CALL_OUTGOING, CALL_INCOMING }; /* OUTGOING/INCOMING: not answered yet */
enum { MUTE_IN_AUDIO = 1, MUTE_OUT_AUDIO = 2, MUTE_IN_VIDEO = 4, MUTE_OUT_VIDEO = 8 };
enum { CONFERENCE_NONE = 0, CONFERENCE_AUDIO, CONFERENCE_VIDEO };

typedef struct refer { /* a REFER this instance received, until acceptRefer or rejectRefer */
    long id;
    long session;                    /* the call it arrived in (0: out of dialog) */
    unsigned long long referrer;     /* the instance that sent it ... */
    long referrer_session;           /* ... and its end of that call (0: out of dialog) */
    char* refer_to;
    long replace_session;            /* attended transfer: the referrer's session to replace (0: none) */
} refer;

/* An instance's call settings, received REFERs and conference (guarded by g_mu). */
typedef struct call_settings {
    int max_sessions;                /* initialize's maxCallSessions (<= 0: no limit) */
    bool do_not_disturb;
    char* forward_to;                /* enableCallForward target; NULL when off */
    bool forward_busy_only;
    bool early_media, reliable_provisional;
    int session_timer, refresh_mode; /* enableSessionTimer (0: off) */
    vec refers;                      /* refer */
    long next_refer_id;
    int conference;                  /* CONFERENCE_* */
    void* conference_window;
} call_settings;

enum { SUB_PENDING, SUB_ACTIVE };

typedef struct in_sub { /* someone watches this instance */
    long id;
    unsigned long long watcher;
    long watcher_id; /* the watcher's own (outgoing) subscribe id */
    int state;
} in_sub;

typedef struct out_sub { /* this instance watches someone (presence) or sent a SUBSCRIBE */
    long id;
    unsigned long long target;
    long target_id; /* the target's incoming subscribe id */
    bool presence;
} out_sub;

typedef struct mime_type {
    char* method;
    char* type;
    char* sub;
} mime_type;

#define STUB_AUDIO_CODECS 15 /* AUDIOCODEC_TYPE values but NONE (enums.tsv) */
#define STUB_VIDEO_CODECS 6  /* VIDEOCODEC_TYPE values but NONE */

/* One known codec of an instance (stub_media.c). */
typedef struct codec_state {
    int order;   /* 0: not enabled; else its place in the SDP offer (lower first) */
    int payload; /* its RTP payload type (initially the vendor's default) */
} codec_state;

typedef struct sip_header { /* addSipMessageHeader / modifySipMessageHeader (stub_headers.c) */
    long id;
    bool modified; /* modify (replaces a header's value) rather than add */
    long session_id;
    int msg_type;
    char* method;
    char* name;
    char* value;
} sip_header;

typedef struct script { /* one scripted outcome (stub_script_next_*) */
    bool set;
    int code;
    char* reason;
    int delay_ms;
} script;

typedef struct instance {
    /* fixed once initialize returns */
    unsigned long long serial;
    ps_thread thread;
    const dispatcher* disp;
    unsigned long long disp_serial;

    /* guarded by mu (shared with the worker) */
    ps_mutex mu;
    ps_cond cv;
    job* head;
    job* tail;
    bool stop;
    bool detached; /* unInitialize ran on the worker itself: the worker frees the instance */
    int pending, fired, nonzero;

    /* guarded by g_mu */
    vec journal; /* journal_entry* */
    char* user;
    char* display;
    char* domain;
    char* uri;
    bool registered;
    bool sip_server_set; /* setUser named a server or outbound proxy (the wire needs one to register) */
    int local_port; /* initialize's localSIPPort; on the wire, the port actually bound */
    int presence_mode;
    unsigned int subscription_secs, publication_secs;
    long next_message_id, next_subscribe_id, next_session_id;
    vec mimes;    /* mime_type */
    vec sessions; /* session */
    vec in_subs;  /* in_sub */
    vec out_subs; /* out_sub */
    script send_script, register_script;

    /* guarded by g_mu: calls, transfer, conference and the account extras */
    call_settings calls;
    char* instance_id; /* setInstanceId */
    bool auto_check_mwi;
    bool replaying; /* stub_replaying: fire() drops the events the stub would simulate for it */

    /* load (stub_load.c), guarded by g_mu: the call durations of the last waited flood, in ns */
    long long* flood_durations;
    long long flood_count;

    /* media (stub_media.c, stub_devices.c, stub_headers.c, stub_streams.c): guarded by g_mu; set up
     * by media_init, released by media_free */
    codec_state audio_codecs[STUB_AUDIO_CODECS], video_codecs[STUB_VIDEO_CODECS];
    int next_codec_order;
    int video_width, video_height;           /* setVideoResolution; read back by getVideoStatistics */
    unsigned int speaker_volume, mic_volume; /* read back by get*Volume */
    bool mic_muted;                          /* getAudioStatistics reports a silent microphone */
    vec sip_headers;                         /* sip_header */
    long next_header_id;
    bool signaling_sending, signaling_received; /* enableCallbackSignaling */
    stream_callback rtp_received, rtp_sending;  /* setRtpCallback: per instance */
    vec frame_sources;                       /* frame_source* (stub_streams.c) */
    long next_frame_source_id;
} instance;

/* The registry of live instances (stub_routing.c) and of dispatchers (stub_runtime.c). */
extern ps_mutex g_mu;
extern vec g_instances; /* instance* */
extern unsigned long long g_instance_serial;
extern ps_mutex g_disp_mu;
extern vec g_process_journal; /* calls of the functions without an SDK handle (stub_control.c) */

/* Shorthands for one recorded argument; `nm` is the vendor parameter name. */
#define J_INT(nm, v) ((stub_value){STUB_INT, (nm), (long long)(v), NULL, 0})
#define J_LONG(nm, v) ((stub_value){STUB_LONG, (nm), (long long)(v), NULL, 0})
#define J_BOOL(nm, v) ((stub_value){STUB_BOOL, (nm), (v) ? 1 : 0, NULL, 0})
#define J_STR(nm, s) \
    ((stub_value){STUB_STRING, (nm), 0, (const unsigned char*)(s), (s) ? (long long)strlen(s) : 0})
#define J_HANDLE(nm, p) ((stub_value){STUB_LONG, (nm), (long long)(intptr_t)(p), NULL, 0}) /* a window handle */
#define J_DATA(nm, p, len) ((stub_value){STUB_DATA, (nm), (len), (p), ((p) && (len) > 0) ? (len) : 0})
/* A pointer (window handle, callback, callbackObject) is recorded as its address, an integer. */
#define J_PTR(nm, p) ((stub_value){STUB_LONG, (nm), (long long)(intptr_t)(p), NULL, 0})
/* Record the calling PortSIP_* function (its name via __func__) with these arguments. */
#define J_COUNT(...) ((int)(sizeof((stub_value[]){__VA_ARGS__}) / sizeof(stub_value)))
#define RECORD(in, ...) journal_add((in), __func__, J_COUNT(__VA_ARGS__), (stub_value[]){__VA_ARGS__})
#define RECORD0(in) journal_add((in), __func__, 0, NULL)

/* The frame of a PortSIP_* function (D4: one skeleton instead of one per function):
 *     STUB_ENTER(in, sdk, J_STR("to", to), J_INT("code", code));   or STUB_ENTER0(in, sdk);
 *     ... work on `in` under g_mu ...
 *     STUB_LEAVE(rc);
 * STUB_ENTER finds the live instance behind `sdk` and takes g_mu, or returns the vendor's code for a
 * stale handle; then it records the call in the journal (the function's name comes from __func__).
 * STUB_LEAVE releases g_mu and returns. Functions that return void use the _VOID forms. */
#define STUB_ENTER(in, sdk, ...) \
    instance* in = lock_live(sdk); \
    if (!in) \
        return dead_handle(sdk); \
    RECORD(in, __VA_ARGS__)
#define STUB_ENTER0(in, sdk) \
    instance* in = lock_live(sdk); \
    if (!in) \
        return dead_handle(sdk); \
    RECORD0(in)
#define STUB_ENTER_VOID(in, sdk, ...) \
    instance* in = lock_live(sdk); \
    if (!in) \
        return; \
    RECORD(in, __VA_ARGS__)
#define STUB_ENTER0_VOID(in, sdk) \
    instance* in = lock_live(sdk); \
    if (!in) \
        return; \
    RECORD0(in)
/* The frame of the functions that take no SDK handle (getNICNums, getLocalIpAddress,
 * delCallbackParameters): take g_mu and record into the process-wide journal; leave with STUB_LEAVE. */
#define STUB_ENTER_PROCESS(...) \
    ps_mutex_lock(&g_mu); \
    journal_push(&g_process_journal, __func__, J_COUNT(__VA_ARGS__), (stub_value[]){__VA_ARGS__})
#define STUB_ENTER_PROCESS0() \
    ps_mutex_lock(&g_mu); \
    journal_push(&g_process_journal, __func__, 0, NULL)
#define STUB_LEAVE(rc) \
    do { \
        long stub_rc_ = (rc); \
        unlock_registry(); \
        return stub_rc_; \
    } while (0)
#define STUB_LEAVE_VOID() \
    do { \
        unlock_registry(); \
        return; \
    } while (0)

/* Shorthands for one callback argument of FIRE. */
#define A_L(v) {.l = (v)}
#define A_I(v) {.i = (v)}
#define A_B(v) {.b = (v)}
#define A_S(v) {.s = (v)}
#define A_D(p, len) {.d = (p), .n = (len)}
#define ARGC(...) ((int)(sizeof((const stub_arg[]){__VA_ARGS__}) / sizeof(stub_arg)))
#define FIRE(t, ev, delay, ...) fire((t), (ev), (delay), ARGC(__VA_ARGS__), (const stub_arg[]){__VA_ARGS__})

typedef struct span {
    const char* p;
    size_t n;
} span;

/* stub_util.c: helpers */
bool ascii_ieq(const char* a, const char* b, size_t n);
bool is_2xx(int code);
char* dup_str(const char* s);
char* str_printf(const char* fmt, ...);
const char* nz(const char* s);
unsigned char* dup_bytes(const void* p, size_t n);
void wipe_free(void* p, size_t n);
void set_str(char** slot, const char* s);
void vec_free(vec* v);
void vec_remove(vec* v, size_t i, size_t size);
void* vec_push(vec* v, size_t size);
int text_out(const char* text, size_t n, char* out, long long size);
void sleep_until_ns(int64_t due);

/* stub_ids.c: ids, positive, wrapping to 1, skipping ids in use. Caller holds g_mu. */
long new_message_id(instance* in);
long new_session_id(instance* in);
long new_subscribe_id(instance* in);
void reserve_subscribe_id(instance* in, long id); /* an injected event's id: later ids start after it */
long new_refer_id(instance* in);
long new_header_id(instance* in);
long new_frame_source_id(instance* in);

/* stub_runtime.c: job queue, worker, dispatcher, lifecycle */
job* job_build(int event, int nargs, const stub_arg* a, const long long* sizes);
void job_free(job* j);
void fire(instance* t, int event, int delay_ms, int nargs, const stub_arg* a);
void job_push(instance* t, job* j, int delay_ms);
bool job_queued(instance* t, int event, long id);
int job_cancel(instance* t, int event, long id);
void script_clear(script* s);

/* stub_routing.c: registry, URIs, lookups */
bool accepts_mime(const instance* in, const char* type, const char* sub);
in_sub* find_in_sub(const instance* in, long id, size_t* index);
instance* by_serial_locked(unsigned long long serial);
instance* find_target_locked(const char* to);
instance* live_locked(const void* sdk);
instance* lock_live(const void* sdk);
void unlock_registry(void);
int dead_handle(const void* sdk);
out_sub* find_out_sub(const instance* in, long id, bool presence, size_t* index);
session* find_session(const instance* in, long id);
session* open_session(instance* in, long id);
session* other_end(const instance* in, const session* s, instance** peer);
void close_session(instance* in, long id);

/* stub_messaging.c: what happens to a MESSAGE sent to another instance (or to nobody) */
typedef struct fate {
    int code;           /* 2xx: the sender gets ...Success, else ...Failure with code/reason */
    const char* reason;
    int delay_ms;       /* of the sender's outcome event */
    bool deliver;       /* the receiver gets the message */
    script sc;          /* the consumed script (owns reason) */
} fate;
fate message_fate(instance* in, const instance* receiver, int none_code, const char* none_reason, const char* mimeType,
                  const char* subMimeType);

/* The network: how an instance's requests reach others. Two implementations share these declarations:
 * stub_local.c (in process, through the registry) and stubs/wire/ (real SIP over libre, the PORTSIP_WIRE
 * build). The API functions do the checks, the ids and the bookkeeping (subscriptions, the registered
 * flag, the journal), then call these with g_mu held; outcomes arrive later as events. net_open and
 * net_close are called without g_mu (the wire waits for its SIP thread there). */
typedef struct net_account { /* PortSIP_setUser's arguments (never NULL: "" when absent) */
    const char *user, *display, *auth_name, *password, *domain, *server;
    int server_port;
    const char* outbound;
    int outbound_port;
} net_account;
int net_open(instance* in, int transport, const char* local_ip, int local_port, const char* user_agent); /* 0 or a code */
void net_close(instance* in); /* the instance is out of the registry: nothing reaches it any more */
int net_set_user(instance* in, const net_account* account);
int net_check_uri(const char* uri);                                    /* 0 or ECoreInvalidUri */
int net_check_message(const instance* in, const char* type, const char* sub, int length); /* 0 or a code */
bool net_on_wire(void); /* the wire build: scripted outcomes (stub_script_next_*) do not apply */
int net_register(instance* in, int expires, int retry_times);         /* also refreshRegistration */
void net_unregister(instance* in);
void net_send_message(instance* in, long id, const char* to, const char* type, const char* sub, bool is_sms,
                      const unsigned char* body, int length);
void net_watch(instance* in, long id, const char* to, const char* subject); /* presenceSubscribe */
void net_unwatch(instance* in, const out_sub* o);
void net_drop_watcher(instance* in, const in_sub* s, bool rejected);
void net_notify_watcher(instance* in, const in_sub* s, const char* text);
void net_publish(instance* in, const char* text);
void net_subscribe(instance* in, long id, const char* to, const char* event); /* sendSubscription */
void net_unsubscribe(instance* in, const out_sub* o);

/* stub_calls.c: calls (used by transfer and lifecycle) */
typedef struct call_request {
    const char* to;
    bool send_sdp, video;
    unsigned long long referrer;     /* acceptRefer: tell this instance's session ... */
    long referrer_session;           /* ... how the new call goes */
    long replace_session;            /* attended transfer: the referrer's session the new call replaces */
} call_request;
enum { ANY_STATE = -1 };
int call_session(instance* in, long id, int state, session** s);
long place_call(instance* in, const call_request* rq);
void unhold_call(instance* in, session* s);
void end_all_calls(instance* in);
void free_call_settings(instance* in);
char* call_message(const instance* in, const session* s, bool request, const char* method, const char* extra,
                   const char* content_type, const char* body);
char* request_text(instance* in, const char* to, const char* kind, const char* method, const char* extra,
                   const char* content_type, const char* body);

/* Calls on the network. stub_calls.c (and sendMessage in stub_messaging.c) do the checks, the ids and the
 * caller's own session and first events (inviteTrying), then call these with
 * g_mu held. In process (stub_local.c) they are the call machine of stub_calls.c: the other end is an
 * instance and everything is decided at once. On the wire (stubs/wire/wire_call.c) a call is a SIP dialog
 * (libre's sipsess) and its outcomes arrive later as events. */
void net_call_invite(instance* in, long id, const call_request* rq); /* call(): the INVITE of session id */
void net_call_answer(instance* in, long id, bool video);             /* answerCall: 200 */
/* Session id ends and is closed: a ringing incoming call is rejected with code (rejectCall; hangUp 603;
 * unInitialize 480), an unanswered outgoing one cancelled, a connected one hung up; no event here. */
void net_call_end(instance* in, long id, int code);
void net_call_hold(instance* in, session* s, bool hold);             /* hold/unHold: the peer's remote(Un)Hold */
int net_call_dtmf(instance* in, const session* s, int method, int tone, int duration); /* 0 or a code */
void net_call_info(instance* in, const session* s, const char* content_type, const char* body); /* sendInfo */
void net_call_message(instance* in, const session* s, long id, const char* type, const char* sub,
                      const unsigned char* body, int length); /* sendMessage: outcome event carries id */
/* 0, or on the wire ECoreNotSupportCallbackMode (the vendor's nearest to "not implemented") for what the
 * wire does not carry: REFER (transfers), updateCall's re-INVITE, forwardCall, pickupBLFCall. */
int net_call_feature(void);

const char* reason_phrase(int code); /* stub_calls.c: the usual phrase of a SIP status */
/* stub_calls.c: the in-process call machine, for stub_local.c */
void local_route_call(instance* in, long id, const call_request* rq);
void local_connect_call(instance* t, long tid, bool video);
void local_end_call(instance* in, long id, int code);
void local_hold(instance* in, session* s, bool hold);
void local_info(instance* in, const session* s, const char* content_type, const char* body);

/* stub_control.c: journal and controls */
void journal_add(instance* in, const char* function, int nargs, const stub_value* vals);
void journal_push(vec* journal, const char* function, int nargs, const stub_value* vals);
int args_from_values(int event, const stub_value* args, int nargs, stub_arg* a, long long* sizes);

/* stub_runtime.c: the handler installed for an event, copied under the dispatcher lock */
handler_slot lookup_handler(const dispatcher* d, unsigned long long serial, int event);
void journal_clear(instance* in);

/* stub_media.c: an instance's media state */
void media_init(instance* in);
void media_free(instance* in);

/* stub_headers.c, stub_playback.c */
void sip_header_free(sip_header* h);
void playback_end(instance* in, long sessionId);

/* stub_streams.c: media stream callbacks and frame sources */
struct frame_source;
bool frame_source_id_taken(const instance* in, long id);
long frame_source_start_locked(instance* in, const stub_frame* frame, int count, int interval_ms);
int frame_source_poll_locked(instance* in, long source, int* delivered, struct frame_source** finished);
void frame_source_reap(struct frame_source* finished);
void frame_sources_stop_locked(instance* in);
void frame_sources_join(instance* in);

/* Called by the generated setters (stub_events.generated.c). */
void stub_set_handler(void* dispatcher, int event, stub_fn fn, long callbackIndex, long callbackObject);

#if defined(__GNUC__) && !defined(_WIN32)
#pragma GCC visibility pop
#endif

#endif /* STUB_INTERNAL_H */
