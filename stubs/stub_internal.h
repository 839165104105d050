/*
 * stub_internal.h - private to the stub library: its state, its lock order, and what its files share.
 *
 * The stub is an in-process stand-in for the PortSIP VoIP SDK v17.1 C ABI, for tests. Together its
 * files implement every function of native/portsip_abi.h and the test-control API of
 * stubs/portsip_stub.h. There is no SIP: instances in one process reach each other through a
 * global registry, by the SIP URI of their user, like two SDKs on a network. One file per concern:
 *   stub_runtime.c    utilities, the per-instance job queue and worker thread, the dispatcher,
 *                     initialize/unInitialize
 *   stub_routing.c    the instance registry, SIP URI matching, lookups of sessions/subscriptions
 *   stub_account.c    the user and its registration
 *   stub_messaging.c  MESSAGE in and out of dialog, accepted MIME types
 *   stub_presence.c   presence (P2P and agent mode) and generic subscriptions
 *   stub_control.c    the journal of calls and the test-control API (stub_*)
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

#define STUB_ABI_VERSION 1
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
typedef struct session {
    long id;
    unsigned long long peer;
    long peer_id;
} session;

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
    int presence_mode;
    unsigned int subscription_secs, publication_secs;
    long next_message_id, next_subscribe_id, next_session_id;
    vec mimes;    /* mime_type */
    vec sessions; /* session */
    vec in_subs;  /* in_sub */
    vec out_subs; /* out_sub */
    script send_script, register_script;
} instance;

/* The registry of live instances (stub_routing.c) and of dispatchers (stub_runtime.c). */
extern ps_mutex g_mu;
extern vec g_instances; /* instance* */
extern unsigned long long g_instance_serial;
extern ps_mutex g_disp_mu;

/* Shorthands for one recorded argument; `nm` is the vendor parameter name. */
#define J_INT(nm, v) ((stub_value){STUB_INT, (nm), (long long)(v), NULL, 0})
#define J_LONG(nm, v) ((stub_value){STUB_LONG, (nm), (long long)(v), NULL, 0})
#define J_BOOL(nm, v) ((stub_value){STUB_BOOL, (nm), (v) ? 1 : 0, NULL, 0})
#define J_STR(nm, s) \
    ((stub_value){STUB_STRING, (nm), 0, (const unsigned char*)(s), (s) ? (long long)strlen(s) : 0})
#define J_DATA(nm, p, len) ((stub_value){STUB_DATA, (nm), (len), (p), ((p) && (len) > 0) ? (len) : 0})
/* Record the calling PortSIP_* function (its name via __func__) with these arguments. */
#define J_COUNT(...) ((int)(sizeof((stub_value[]){__VA_ARGS__}) / sizeof(stub_value)))
#define RECORD(in, ...) journal_add((in), __func__, J_COUNT(__VA_ARGS__), (stub_value[]){__VA_ARGS__})
#define RECORD0(in) journal_add((in), __func__, 0, NULL)

/* Shorthands for one callback argument of FIRE. */
#define A_L(v) {.l = (v)}
#define A_I(v) {.i = (v)}
#define A_S(v) {.s = (v)}
#define A_D(p, len) {.d = (p), .n = (len)}
#define ARGC(...) ((int)(sizeof((const stub_arg[]){__VA_ARGS__}) / sizeof(stub_arg)))
#define FIRE(t, ev, delay, ...) fire((t), (ev), (delay), ARGC(__VA_ARGS__), (const stub_arg[]){__VA_ARGS__})

typedef struct span {
    const char* p;
    size_t n;
} span;

/* stub_runtime.c: utilities, job queue, worker, dispatcher, lifecycle */
bool ascii_ieq(const char* a, const char* b, size_t n);
bool is_2xx(int code);
char* dup_str(const char* s);
char* str_printf(const char* fmt, ...);
const char* nz(const char* s);
job* job_build(int event, int nargs, const stub_arg* a, const long long* sizes);
unsigned char* dup_bytes(const void* p, size_t n);
void fire(instance* t, int event, int delay_ms, int nargs, const stub_arg* a);
void job_push(instance* t, job* j, int delay_ms);
void script_clear(script* s);
void set_str(char** slot, const char* s);
void vec_free(vec* v);
void vec_remove(vec* v, size_t i, size_t size);
void* vec_push(vec* v, size_t size);

/* stub_routing.c: registry, URIs, lookups */
bool accepts_mime(const instance* in, const char* type, const char* sub);
in_sub* find_in_sub(const instance* in, long id, size_t* index);
instance* by_serial_locked(unsigned long long serial);
instance* find_target_locked(const char* to);
instance* live_locked(const void* sdk);
instance* lock_live(const void* sdk);
int dead_handle(const void* sdk);
out_sub* find_out_sub(const instance* in, long id, bool presence, size_t* index);
session* find_session(const instance* in, long id);
session* open_session(instance* in, long id);

/* stub_presence.c: presence */
void reserve_subscribe_id(instance* in, long id);

/* stub_control.c: journal and controls */
long next_session_id(instance* in);
void journal_add(instance* in, const char* function, int nargs, const stub_value* vals);
void journal_clear(instance* in);

/* Called by the generated setters (stub_events.generated.c). */
void stub_set_handler(void* dispatcher, int event, stub_fn fn, long callbackIndex, long callbackObject);

#if defined(__GNUC__) && !defined(_WIN32)
#pragma GCC visibility pop
#endif

#endif /* STUB_INTERNAL_H */
