/*
 * portsip_stub.h - the test-control API of the portsip stub library (stub-only, prefix stub_).
 *
 * The stub (stubs/stub_*.c) implements every function of native/portsip_abi.h so that tests,
 * and licensees' own CI, run without the proprietary SDK; its wire build (stubs/wire/) does the same
 * over real SIP. These extra functions let a test
 * inject SDK events, script outcomes, open in-dialog sessions and read back the calls the
 * stub received. portsip.testing wraps them; this file is also its cffi cdef, so it keeps to
 * plain declarations and integer #defines (the cdef reader drops every other preprocessor line).
 *
 * Events are numbered by the order of the callback typedefs in native/portsip_abi.h.
 */
#ifndef PORTSIP_STUB_H
#define PORTSIP_STUB_H

/* The version of this API: stub_abi_version() returns it; the binding's cdef reads it from here. */
#define STUB_ABI_VERSION 3

/* Kinds of value, for event arguments (stub_emit) and recorded call arguments (journal). */
enum stub_value_kind {
    STUB_LONG = 1,   /* C long: ids */
    STUB_INT = 2,    /* C int */
    STUB_BOOL = 3,   /* C bool */
    STUB_STRING = 4, /* const char*: `bytes` NULL means a NULL pointer, else `size` bytes + NUL */
    STUB_DATA = 5    /* const unsigned char* + int length: `size` bytes at `bytes` (NULL allowed);
                        `integer` is the length argument passed on, which a test may set to
                        anything (negative, larger than size) to exercise the receiver */
};

typedef struct stub_value {
    int kind;                   /* enum stub_value_kind */
    const char* name;           /* parameter name (journal); ignored by stub_emit */
    long long integer;          /* LONG, INT, BOOL value; DATA: the length argument */
    const unsigned char* bytes; /* STRING, DATA */
    long long size;             /* STRING, DATA: number of bytes at `bytes` */
} stub_value;

/* Identity: lets the binding check that this is the stub and that it matches the header. */
int stub_abi_version(void);
int stub_event_count(void);
const char* stub_event_name(int event);      /* vendor name, e.g. "registerSuccess"; NULL if out of range */
const char* stub_event_signature(int event); /* one letter per argument after callbackObject:
                                                l long, i int, b bool, s string, d data+length */

/* Fire `event` at instance `sdk` from the stub's worker thread, `delay_ms` after this call returns,
 * and change the stub's state as that event from the network would (e.g. presenceRecvSubscribe
 * makes its subscribeId known, inviteConnected opens its session, inviteClosed closes it,
 * registerSuccess/Failure set the registration state). The arguments are copied before this returns.
 * Returns 0, or a negative vendor error code (ECoreNotInitialized, ECoreArgumentIncorrect for an
 * unknown event or arguments that do not match its signature). */
int stub_emit(void* sdk, int event, const stub_value* args, int nargs, int delay_ms);

/* 1 for the wire build of the stub (real SIP over UDP/TCP, see stubs/wire/), 0 for the in-process one. */
int stub_wire(void);

/* The instance's SIP port: in process, initialize's localSIPPort; on the wire, the port its socket is
 * bound to (the one the system chose when initialize asked for 0). ECoreNotInitialized for a stale handle. */
int stub_local_sip_port(void* sdk);

/* Script the outcome of the next MESSAGE this instance sends (in or out of dialog): a SIP code
 * (2xx means success, anything else a failure with `reason`), delivered `delay_ms` after the send.
 * In process only: on the wire the peer decides, and both script functions return ECoreArgumentIncorrect. */
int stub_script_next_send(void* sdk, int sip_code, const char* reason, int delay_ms);

/* Script the outcome of the next registerServer: a SIP code and reason (2xx success, else failure). */
int stub_script_next_register(void* sdk, int sip_code, const char* reason);

/* Open an established in-dialog session as if a call were connected. With a peer instance, the
 * peer gets the other end: a MESSAGE sent on one session arrives as recvMessage on the other.
 * Returns the new session id (> 0) on `sdk`, or a negative error code; the peer's session id is
 * stored in *peer_session_id when both are non-NULL. */
long stub_open_session(void* sdk, void* peer_sdk, long* peer_session_id);

/* The instance's conference: *kind is 0 (none), 1 (audio) or 2 (video); the ids of the sessions joined
 * to it go to sessionIds (at most `capacity` of them). Returns the number of members, or a negative
 * error code. */
int stub_conference(void* sdk, int* kind, long* sessionIds, int capacity);

/* The journal: every PortSIP_* call an initialized instance received, with all its arguments
 * (strings and buffers copied byte for byte; pointers such as window handles as their address).
 * Entries stay valid until stub_journal_clear or PortSIP_unInitialize of that instance. With sdk
 * NULL these read the process-wide journal of the functions that take no SDK handle
 * (PortSIP_getNICNums, PortSIP_getLocalIpAddress, PortSIP_delCallbackParameters). */
int stub_journal_count(void* sdk);
int stub_journal_entry(void* sdk, int index, const char** function, const stub_value** args, int* nargs);
void stub_journal_clear(void* sdk);

/* Counters for tests: callbacks fired by this instance's worker thread, how many of them returned
 * non-zero, and how many events are queued but not yet fired. */
int stub_callbacks_fired(void* sdk);
int stub_callbacks_nonzero(void* sdk);
int stub_pending_events(void* sdk);

/* Replay mode (StubControl.replay): while on, the instance's API calls change the stub's state and
 * return ids as usual, but the instance is cut off from the in-process network: none of the events
 * the stub would simulate for it is fired (outcomes of its sends, its registration, presence and call
 * events...), and its MESSAGEs, SUBSCRIBEs, NOTIFYs and calls reach no other instance. The replay
 * fires the recorded events with stub_emit instead, which is unaffected. Returns 0 or ECoreNotInitialized. */
int stub_replaying(void* sdk, int on);

/* Load: fire `event` (arguments as for stub_emit) `count` times from each of `threads` new native
 * threads, as SDK threads would: each thread takes the instance's installed handler once, when the
 * flood starts (so it keeps calling it even after the instance closes, like an SDK thread that
 * outlives unInitialize), then calls it directly, back to back or paced at `rate` calls per second
 * (0: as fast as possible), timing every call. Every copy carries its thread (0-based) and
 * sequence number (0-based) in the first field that can hold them:
 *   - an event with a body (d): its first 8 bytes are the thread and the sequence number as two
 *     little-endian uint32 (a shorter body is extended to 8 bytes); a body of 16 bytes or more
 *     also gets, in bytes 8-15, the time of the call (CLOCK_MONOTONIC, ns, little-endian int64);
 *   - else an event with a long (l): the first long is thread * 2^20 + sequence (count <= 2^20);
 *   - else the first string (s) is prefixed with "<thread>:<sequence>:".
 * With `wait` it returns when every call has returned and keeps the durations for
 * stub_flood_durations; without, it returns at once and the threads run on (detached).
 * Returns 0, or a negative code: ECoreNotInitialized, ECoreArgumentIncorrect (bad event, arguments,
 * count < 0, threads outside 1..256, rate < 0 or below 1e-9, a tag that does not fit). */
int stub_flood(void* sdk, int event, const stub_value* args, int nargs, long long count, int threads, double rate, int wait);

/* The durations, in nanoseconds, of the calls of this instance's last waited flood (thread 0's calls
 * in order, then thread 1's, ...) or of the last frame source stub_frame_source_wait saw finish (its
 * callback calls, in order). Copies at most `max` into `out`; returns how many there are. */
long long stub_flood_durations(void* sdk, long long* out, long long max);

/* ---- Frame sources: the media threads of a test. -----------------------------------------------
 * A frame source is a native thread that feeds one media stream callback of an instance, as the
 * SDK's media threads would: the audioRawCallback or videoRawCallback enabled for a session
 * (PortSIP_enableAudioStreamCallback / PortSIP_enableVideoStreamCallback), or one of the RTP
 * callbacks of PortSIP_setRtpCallback. */
enum stub_stream_kind {
    STUB_STREAM_AUDIO = 1,        /* audioRawCallback(object, session, mode, data, size, sampling_freq_hz) */
    STUB_STREAM_VIDEO = 2,        /* videoRawCallback(object, session, mode, width, height, data, size) */
    STUB_STREAM_RTP_RECEIVED = 3, /* receivedRTPCallback(object, session, is_audio, data, size) */
    STUB_STREAM_RTP_SENDING = 4   /* sendingRTPCallback(object, session, is_audio, data, size) */
};

/* One frame as the callback receives it. */
typedef struct stub_frame {
    int kind;                   /* enum stub_stream_kind */
    long session_id;            /* an open session of the instance (the callback's sessionId) */
    const unsigned char* data;  /* `size` bytes (NULL only if size is 0), copied by the start call */
    int size;
    int sampling_freq_hz;       /* audio: the samplingFreqHz argument */
    int width, height;          /* video: the width and height arguments */
    int is_audio;               /* RTP: the isAudio argument (non-zero: true) */
} stub_frame;

/* Start a frame source and return its id (> 0), or a negative vendor code: ECoreNotInitialized
 * (stale handle), ECoreArgumentIncorrect (frame NULL, unknown kind, negative size, count or
 * interval, NULL data with a size), ECoreInviteSessionNotFound (no such session), ECoreStackFailure
 * (no thread). The new thread calls the callback `count` times: the first frame at once, then one
 * every `interval_ms`. Before each frame it looks up the callback, mode and callbackObject stored
 * now, so enabling or disabling takes effect between frames; a frame that finds no callback is
 * skipped (not delivered). Each call gets a fresh copy of the frame in a buffer that is overwritten
 * and freed when the callback returns (a consumer must copy it). The source ends early when its
 * session closes or the instance is uninitialized: PortSIP_unInitialize stops and joins the
 * instance's sources, so no media callback runs after it returns. */
long stub_frame_source_start(void* sdk, const stub_frame* frame, int count, int interval_ms);

/* Wait up to `timeout_ms` for a frame source of `sdk` to finish. Returns 1 when it has finished
 * (its thread is joined and its id released; *delivered, if not NULL, is the number of frames the
 * callback received), 0 when it is still running (wait again), ECoreNotInitialized (stale handle)
 * or ECoreArgumentIncorrect (unknown id, negative timeout). Every started source must be waited
 * for until it returns 1, or end with PortSIP_unInitialize. */
int stub_frame_source_wait(void* sdk, long source, int timeout_ms, int* delivered);

#endif /* PORTSIP_STUB_H */
