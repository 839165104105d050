/*
 * portsip_stub.c - an in-process stand-in for the PortSIP VoIP SDK v17.1 C ABI, for tests.
 *
 * It implements every function of native/portsip_abi.h (the generated stub_events.generated.h
 * supplies the 40 handler setters and the typed call of each handler) and the test-control API
 * of stubs/portsip_stub.h. There is no SIP: instances in one process reach each other through a
 * global registry, by the SIP URI of their user, like two SDKs on a network.
 *
 * Behaviour follows what the vendor's manual documents; comments below name the rule
 * ("manual: ...") or say "stub's choice" where the manual is silent.
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
#define _POSIX_C_SOURCE 200809L

#include "portsip_abi.h"
#include "portsip_errors.h"
#include "portsip_stub.h"

#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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
static void stub_set_handler(void* dispatcher, int event, stub_fn fn, long callbackIndex, long callbackObject);

#include "stub_events.generated.h"

#define STUB_ABI_VERSION 1
#define STUB_MAX_ARGS 10      /* longest event signature ("lssssssbbs") */
#define REGISTER_DELAY_MS 20  /* a registration answer takes a moment, like a server round trip */
#define SDK_MAJOR_VERSION 17
#define SDK_MINOR_VERSION 1

/* ======================================================================== utilities */

static const char* nz(const char* s) { return s ? s : ""; }

static bool is_2xx(int code) { return code >= 200 && code <= 299; }

/* Copy n bytes and append a NUL (so strings stay terminated even with embedded NULs). */
static unsigned char* dup_bytes(const void* p, size_t n)
{
    if (n >= SIZE_MAX)
        return NULL;
    unsigned char* c = malloc(n + 1);
    if (!c)
        return NULL;
    if (n)
        memcpy(c, p, n);
    c[n] = '\0';
    return c;
}

static char* dup_str(const char* s) { return s ? (char*)dup_bytes(s, strlen(s)) : NULL; }

/* Replace *slot with a copy of s (NULL becomes ""). */
static void set_str(char** slot, const char* s)
{
    free(*slot);
    *slot = dup_str(nz(s));
}

static char* str_printf(const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char* s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Overwrite a copied buffer before freeing it: a reader that kept the pointer past its callback
 * sees 0xDD garbage (or an ASan report) instead of plausible data. */
static void wipe_free(void* p, size_t n)
{
    if (p) {
        memset(p, 0xDD, n);
        free(p);
    }
}

/* A growable array of fixed-size elements. */
typedef struct vec {
    void* items;
    size_t n, cap;
} vec;

/* Append one zeroed element; NULL when out of memory. */
static void* vec_push(vec* v, size_t size)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void* p = realloc(v->items, cap * size);
        if (!p)
            return NULL;
        v->items = p;
        v->cap = cap;
    }
    void* slot = (char*)v->items + v->n++ * size;
    memset(slot, 0, size);
    return slot;
}

static void vec_remove(vec* v, size_t i, size_t size)
{
    char* base = v->items;
    memmove(base + i * size, base + (i + 1) * size, (v->n - i - 1) * size);
    v->n--;
}

static void vec_free(vec* v)
{
    free(v->items);
    v->items = NULL;
    v->n = v->cap = 0;
}

/* Due times use a monotonic clock where the queue's condition variable can be set to it;
 * macOS has no pthread_condattr_setclock, so there they use the wall clock. */
#if defined(__APPLE__)
#define STUB_CLOCK CLOCK_REALTIME
#else
#define STUB_CLOCK CLOCK_MONOTONIC
#endif

static struct timespec due_in(int delay_ms)
{
    struct timespec t;
    clock_gettime(STUB_CLOCK, &t);
    t.tv_sec += delay_ms / 1000;
    t.tv_nsec += (long)(delay_ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static bool ts_before(struct timespec a, struct timespec b)
{
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

/* ======================================================================== state types */

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
    struct timespec due;
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
    pthread_t thread;
    const dispatcher* disp;
    unsigned long long disp_serial;

    /* guarded by mu (shared with the worker) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
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

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static vec g_instances; /* instance* */
static unsigned long long g_instance_serial;

static pthread_mutex_t g_disp_mu = PTHREAD_MUTEX_INITIALIZER;
static dispatcher* g_dispatchers;
static unsigned long long g_dispatcher_serial;

/* ======================================================================== journal */

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

static void journal_entry_free(journal_entry* e)
{
    for (int k = 0; k < e->nargs; k++)
        free((void*)e->args[k].bytes);
    free(e);
}

/* Append an immutable entry; strings and buffers are copied (NULL stays NULL). Caller holds g_mu. */
static void journal_add(instance* in, const char* function, int nargs, const stub_value* vals)
{
    journal_entry* e = calloc(1, sizeof *e + (size_t)nargs * sizeof(stub_value));
    if (!e)
        return;
    e->function = function;
    e->nargs = nargs;
    for (int k = 0; k < nargs; k++) {
        e->args[k] = vals[k];
        if (vals[k].bytes) {
            e->args[k].bytes = dup_bytes(vals[k].bytes, (size_t)vals[k].size);
            if (!e->args[k].bytes)
                e->args[k].size = 0;
        }
    }
    journal_entry** slot = vec_push(&in->journal, sizeof *slot);
    if (slot)
        *slot = e;
    else
        journal_entry_free(e);
}

static void journal_clear(instance* in)
{
    journal_entry** entries = in->journal.items;
    for (size_t i = 0; i < in->journal.n; i++)
        journal_entry_free(entries[i]);
    vec_free(&in->journal);
}

/* ======================================================================== registry & URIs */

/* The live instance behind a handle, or NULL. Caller holds g_mu. */
static instance* live_locked(const void* sdk)
{
    instance** all = g_instances.items;
    for (size_t i = 0; sdk && i < g_instances.n; i++)
        if (all[i] == sdk)
            return all[i];
    return NULL;
}

static instance* by_serial_locked(unsigned long long serial)
{
    instance** all = g_instances.items;
    for (size_t i = 0; serial && i < g_instances.n; i++)
        if (all[i]->serial == serial)
            return all[i];
    return NULL;
}

/* Take g_mu and return the live instance; on NULL g_mu is already released. */
static instance* lock_live(const void* sdk)
{
    pthread_mutex_lock(&g_mu);
    instance* in = live_locked(sdk);
    if (!in)
        pthread_mutex_unlock(&g_mu);
    return in;
}

/* What a stale handle gets: vendor codes for a NULL object / a handle that is not initialized. */
static int dead_handle(const void* sdk) { return sdk ? ECoreNotInitialized : ECoreSDKObjectNull; }

typedef struct span {
    const char* p;
    size_t n;
} span;

/* Split a SIP address into user and host (port, parameters and headers dropped). Accepts
 * sip:user@host, sips:..., user@host, <sip:...>, "Name" <sip:user@host;transport=udp>. */
static void uri_split(const char* uri, span* user, span* host)
{
    const char* s = uri;
    const char* end;
    const char* lt = strchr(s, '<');
    if (lt) {
        s = lt + 1;
        end = strchr(s, '>');
        if (!end)
            end = s + strlen(s);
    } else {
        end = s + strlen(s);
    }
    while (s < end && isspace((unsigned char)*s))
        s++;
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    if (end - s >= 4 && strncasecmp(s, "sip:", 4) == 0)
        s += 4;
    else if (end - s >= 5 && strncasecmp(s, "sips:", 5) == 0)
        s += 5;
    for (const char* p = s; p < end; p++)
        if (*p == ';' || *p == '?') {
            end = p;
            break;
        }
    const char* at = NULL;
    for (const char* p = s; p < end; p++)
        if (*p == '@')
            at = p;
    const char* h = at ? at + 1 : end;
    *user = (span){s, (size_t)((at ? at : end) - s)};
    for (size_t i = 0; i < user->n; i++)
        if (user->p[i] == ':') { /* user:password */
            user->n = i;
            break;
        }
    *host = (span){h, (size_t)(end - h)};
    if (host->n && host->p[0] == '[') { /* [IPv6]:port */
        const char* rb = memchr(host->p, ']', host->n);
        if (rb)
            host->n = (size_t)(rb - host->p) + 1;
    } else {
        const char* colon = memchr(host->p, ':', host->n);
        if (colon)
            host->n = (size_t)(colon - host->p);
    }
}

/* User names match case-sensitively, domains case-insensitively; an empty domain on either
 * side matches any (P2P use without a domain). */
static bool uri_matches(const char* a, const char* b)
{
    span ua, ha, ub, hb;
    uri_split(a, &ua, &ha);
    uri_split(b, &ub, &hb);
    if (ua.n == 0 || ua.n != ub.n || memcmp(ua.p, ub.p, ua.n) != 0)
        return false;
    return ha.n == 0 || hb.n == 0 || (ha.n == hb.n && strncasecmp(ha.p, hb.p, ha.n) == 0);
}

/* The instance a URI reaches (first match), or NULL. Caller holds g_mu. */
static instance* find_target_locked(const char* to)
{
    instance** all = g_instances.items;
    for (size_t i = 0; i < g_instances.n; i++)
        if (all[i]->user && all[i]->uri && uri_matches(to, all[i]->uri))
            return all[i];
    return NULL;
}

/* Compare MIME tokens case-insensitively, ignoring parameters after ';' and spaces. */
static bool mime_token_eq(const char* a, const char* b)
{
    size_t na = strcspn(a, ";"), nb = strcspn(b, ";");
    while (na && isspace((unsigned char)a[na - 1]))
        na--;
    while (nb && isspace((unsigned char)b[nb - 1]))
        nb--;
    return na == nb && strncasecmp(a, b, na) == 0;
}

/* Manual: incoming MESSAGE bodies are accepted only for text/plain and for types registered with
 * addSupportedMimeType("MESSAGE", type, subType). */
static bool accepts_mime(const instance* in, const char* type, const char* sub)
{
    if (mime_token_eq(type, "text") && mime_token_eq(sub, "plain"))
        return true;
    const mime_type* m = in->mimes.items;
    for (size_t i = 0; i < in->mimes.n; i++)
        if (strcasecmp(m[i].method, "MESSAGE") == 0 && mime_token_eq(type, m[i].type) && mime_token_eq(sub, m[i].sub))
            return true;
    return false;
}

static session* find_session(const instance* in, long id)
{
    session* s = in->sessions.items;
    for (size_t i = 0; i < in->sessions.n; i++)
        if (s[i].id == id)
            return &s[i];
    return NULL;
}

static session* open_session(instance* in, long id)
{
    session* s = vec_push(&in->sessions, sizeof *s);
    if (s)
        s->id = id;
    return s;
}

static in_sub* find_in_sub(const instance* in, long id, size_t* index)
{
    in_sub* s = in->in_subs.items;
    for (size_t i = 0; i < in->in_subs.n; i++)
        if (s[i].id == id) {
            if (index)
                *index = i;
            return &s[i];
        }
    return NULL;
}

static out_sub* find_out_sub(const instance* in, long id, bool presence, size_t* index)
{
    out_sub* s = in->out_subs.items;
    for (size_t i = 0; i < in->out_subs.n; i++)
        if (s[i].id == id && s[i].presence == presence) {
            if (index)
                *index = i;
            return &s[i];
        }
    return NULL;
}

/* ======================================================================== job queue & worker */

static void job_free(job* j)
{
    for (int k = 0; k < j->nargs; k++)
        wipe_free(j->owned[k], j->owned_size[k]);
    free(j);
}

/* Build a job for `event`, copying every string and buffer. sizes[k] (optional) is the number of
 * bytes available at a string/data argument; without it strings use strlen and data max(0, n).
 * NULL if the arguments do not fit the event's signature or memory runs out. */
static job* job_build(int event, int nargs, const stub_arg* a, const long long* sizes)
{
    const char* sig = stub_event_signatures[event];
    if (nargs < 0 || nargs > STUB_MAX_ARGS || (size_t)nargs != strlen(sig))
        return NULL;
    job* j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->event = event;
    j->nargs = nargs;
    for (int k = 0; k < nargs; k++) {
        j->a[k] = a[k];
        const void* src = sig[k] == 's' ? (const void*)a[k].s : sig[k] == 'd' ? (const void*)a[k].d : NULL;
        if (!src)
            continue; /* not a pointer, or NULL: passed on as is */
        long long n = sizes ? sizes[k] : sig[k] == 's' ? (long long)strlen(a[k].s) : (a[k].n > 0 ? a[k].n : 0);
        if (n < 0 || (unsigned long long)n >= SIZE_MAX || !(j->owned[k] = dup_bytes(src, (size_t)n))) {
            job_free(j);
            return NULL;
        }
        j->owned_size[k] = (size_t)n + 1;
        if (sig[k] == 's')
            j->a[k].s = (const char*)j->owned[k];
        else
            j->a[k].d = j->owned[k];
    }
    return j;
}

/* Queue a job on instance t, due delay_ms from now: ordered by due time, FIFO among equals.
 * Caller holds g_mu (so t is live); takes t->mu after it (order g_mu -> inst->mu). */
static void job_push(instance* t, job* j, int delay_ms)
{
    j->due = due_in(delay_ms);
    pthread_mutex_lock(&t->mu);
    if (t->stop) {
        pthread_mutex_unlock(&t->mu);
        job_free(j);
        return;
    }
    if (!t->tail || !ts_before(j->due, t->tail->due)) { /* the common case: append */
        if (t->tail)
            t->tail->next = j;
        else
            t->head = j;
        t->tail = j;
    } else {
        job** link = &t->head;
        while (!ts_before(j->due, (*link)->due))
            link = &(*link)->next;
        j->next = *link;
        *link = j;
    }
    t->pending++;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

/* Fire `event` on instance t after delay_ms, from t's worker. Internal events are always well
 * formed; should memory run out, the event is dropped (like a lost datagram). */
static void fire(instance* t, int event, int delay_ms, int nargs, const stub_arg* a)
{
    job* j = job_build(event, nargs, a, NULL);
    if (j)
        job_push(t, j, delay_ms);
}

#define A_L(v) {.l = (v)}
#define A_I(v) {.i = (v)}
#define A_S(v) {.s = (v)}
#define A_D(p, len) {.d = (p), .n = (len)}
#define ARGC(...) ((int)(sizeof((const stub_arg[]){__VA_ARGS__}) / sizeof(stub_arg)))
#define FIRE(t, ev, delay, ...) fire((t), (ev), (delay), ARGC(__VA_ARGS__), (const stub_arg[]){__VA_ARGS__})

/* The handler installed for `event` in dispatcher d, copied under the lock; {NULL} if none or if
 * the dispatcher was released (a misuse the manual warns about: release only after unInitialize). */
static handler_slot lookup_handler(const dispatcher* d, unsigned long long serial, int event)
{
    handler_slot h = {0};
    pthread_mutex_lock(&g_disp_mu);
    for (const dispatcher* p = g_dispatchers; p; p = p->next)
        if (p == d && p->serial == serial) {
            h = p->slots[event];
            break;
        }
    pthread_mutex_unlock(&g_disp_mu);
    return h;
}

static void instance_destroy(instance* in);

/* The worker: fire due jobs in order, each without holding any lock. */
static void* worker_main(void* arg)
{
    instance* in = arg;
    pthread_mutex_lock(&in->mu);
    while (!in->stop) {
        job* j = in->head;
        if (!j) {
            pthread_cond_wait(&in->cv, &in->mu);
            continue;
        }
        struct timespec now, due = j->due;
        clock_gettime(STUB_CLOCK, &now);
        if (ts_before(now, due)) {
            pthread_cond_timedwait(&in->cv, &in->mu, &due);
            continue;
        }
        in->head = j->next;
        if (!in->head)
            in->tail = NULL;
        pthread_mutex_unlock(&in->mu);

        /* The handler is looked up at fire time: one installed after the enqueue still gets it. */
        handler_slot h = lookup_handler(in->disp, in->disp_serial, j->event);
        int rc = h.fn ? stub_invoke(j->event, h.fn, h.idx, h.obj, j->a) : 0;
        job_free(j);

        pthread_mutex_lock(&in->mu);
        in->pending--; /* counted until its callback returned, so "0 pending" means "all done" */
        if (h.fn) {
            in->fired++;
            if (rc != 0)
                in->nonzero++;
        }
    }
    bool self_destroy = in->detached;
    pthread_mutex_unlock(&in->mu);
    if (self_destroy)
        instance_destroy(in);
    return NULL;
}

/* ======================================================================== dispatcher */

void* PSCallback_createCallbackDispatcher(void)
{
    dispatcher* d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    pthread_mutex_lock(&g_disp_mu);
    d->serial = ++g_dispatcher_serial;
    d->next = g_dispatchers;
    g_dispatchers = d;
    pthread_mutex_unlock(&g_disp_mu);
    return d;
}

/* Unknown pointers (NULL, already released) are ignored rather than freed twice. */
void PSCallback_releaseCallbackDispatcher(void* callbackDispatcher)
{
    dispatcher* found = NULL;
    pthread_mutex_lock(&g_disp_mu);
    for (dispatcher** link = &g_dispatchers; *link; link = &(*link)->next)
        if (*link == callbackDispatcher) {
            found = *link;
            *link = found->next;
            break;
        }
    pthread_mutex_unlock(&g_disp_mu);
    free(found);
}

/* Called by the generated setters. A NULL handler uninstalls; an unknown dispatcher is ignored. */
static void stub_set_handler(void* dispatcher_ptr, int event, stub_fn fn, long callbackIndex, long callbackObject)
{
    if (event < 0 || event >= STUB_EVENT_COUNT)
        return;
    pthread_mutex_lock(&g_disp_mu);
    for (dispatcher* p = g_dispatchers; p; p = p->next)
        if (p == dispatcher_ptr) {
            p->slots[event] = (handler_slot){fn, callbackIndex, callbackObject};
            break;
        }
    pthread_mutex_unlock(&g_disp_mu);
}

/* ======================================================================== lifecycle */

static void script_clear(script* s)
{
    free(s->reason);
    *s = (script){0};
}

/* Free an instance that is out of the registry and whose worker has stopped (or is the caller). */
static void instance_destroy(instance* in)
{
    for (job* j = in->head; j;) { /* pending jobs are dropped, never fired */
        job* next = j->next;
        job_free(j);
        j = next;
    }
    journal_clear(in);
    mime_type* m = in->mimes.items;
    for (size_t i = 0; i < in->mimes.n; i++) {
        free(m[i].method);
        free(m[i].type);
        free(m[i].sub);
    }
    vec_free(&in->mimes);
    vec_free(&in->sessions);
    vec_free(&in->in_subs);
    vec_free(&in->out_subs);
    script_clear(&in->send_script);
    script_clear(&in->register_script);
    free(in->user);
    free(in->display);
    free(in->domain);
    free(in->uri);
    pthread_cond_destroy(&in->cv);
    pthread_mutex_destroy(&in->mu);
    free(in);
}

static instance* instance_new(const dispatcher* d, unsigned long long disp_serial)
{
    instance* in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
#if !defined(__APPLE__)
    pthread_condattr_setclock(&ca, STUB_CLOCK);
#endif
    pthread_cond_init(&in->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&in->mu, NULL);
    in->disp = d;
    in->disp_serial = disp_serial;
    in->next_message_id = in->next_subscribe_id = in->next_session_id = 1; /* ids are positive */
    return in;
}

void* PortSIP_initialize(void* callbackDispatcher, int transportType, const char* localIp, int localSIPPort, int logLevel,
                         const char* logFilePath, int maxCallSessions, const char* sipAgentString, int audioDeviceLayer,
                         int videoDeviceLayer, const char* TLSCertificatesRootPath, const char* TLSCipherList,
                         bool verifyTLSCertificate, int* errorCode)
{
    /* Manual: initialize returns the handle, or NULL with the error reported through errorCode. */
    int rc = 0;
    unsigned long long disp_serial = 0;
    if (!callbackDispatcher) {
        rc = ECoreArgumentNull;
    } else if (transportType < 0 || transportType > 4) { /* enums.tsv: UDP, TLS, TCP, PERS_UDP, PERS_TCP */
        rc = ECoreArgumentIncorrect;
    } else if (localSIPPort < 0 || localSIPPort > 65535) {
        rc = ECorePortOutOfRange;
    } else {
        pthread_mutex_lock(&g_disp_mu);
        for (const dispatcher* p = g_dispatchers; p; p = p->next)
            if (p == callbackDispatcher)
                disp_serial = p->serial;
        pthread_mutex_unlock(&g_disp_mu);
        if (!disp_serial) /* stub's choice: a pointer that is not a live dispatcher is refused */
            rc = ECoreArgumentIncorrect;
    }
    instance* in = NULL;
    if (!rc && !(in = instance_new(callbackDispatcher, disp_serial)))
        rc = ECoreInitializeStackFailure;
    if (!rc && pthread_create(&in->thread, NULL, worker_main, in) != 0) {
        instance_destroy(in);
        rc = ECoreInitializeStackFailure;
    }
    if (rc) {
        if (errorCode)
            *errorCode = rc;
        return NULL;
    }

    pthread_mutex_lock(&g_mu);
    instance** slot = vec_push(&g_instances, sizeof *slot);
    if (slot) {
        in->serial = ++g_instance_serial;
        *slot = in;
        /* The dispatcher pointer (not a value a test can compare) and errorCode are not recorded. */
        RECORD(in, J_INT("transportType", transportType), J_STR("localIp", localIp), J_INT("localSIPPort", localSIPPort),
               J_INT("logLevel", logLevel), J_STR("logFilePath", logFilePath), J_INT("maxCallSessions", maxCallSessions),
               J_STR("sipAgentString", sipAgentString), J_INT("audioDeviceLayer", audioDeviceLayer),
               J_INT("videoDeviceLayer", videoDeviceLayer), J_STR("TLSCertificatesRootPath", TLSCertificatesRootPath),
               J_STR("TLSCipherList", TLSCipherList), J_BOOL("verifyTLSCertificate", verifyTLSCertificate));
    }
    pthread_mutex_unlock(&g_mu);
    if (!slot) { /* out of memory: undo */
        pthread_mutex_lock(&in->mu);
        in->stop = true;
        pthread_cond_signal(&in->cv);
        pthread_mutex_unlock(&in->mu);
        pthread_join(in->thread, NULL);
        instance_destroy(in);
        if (errorCode)
            *errorCode = ECoreInitializeStackFailure;
        return NULL;
    }
    if (errorCode)
        *errorCode = 0;
    return in;
}

/* Not journaled: the journal dies with the instance. */
void PortSIP_unInitialize(void* sdk)
{
    pthread_mutex_lock(&g_mu);
    instance* in = live_locked(sdk);
    if (in) { /* out of the registry: no call or message can reach it any more */
        instance** all = g_instances.items;
        for (size_t i = 0; i < g_instances.n; i++)
            if (all[i] == in) {
                vec_remove(&g_instances, i, sizeof *all);
                break;
            }
    }
    pthread_mutex_unlock(&g_mu); /* never held while joining: the worker may still be firing */
    if (!in)
        return;
    bool on_own_worker = pthread_equal(pthread_self(), in->thread);
    pthread_mutex_lock(&in->mu);
    in->stop = true;
    in->detached = on_own_worker;
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&in->mu);
    if (on_own_worker) { /* called from a callback: the worker frees the instance when it returns */
        pthread_detach(in->thread);
        return;
    }
    pthread_join(in->thread, NULL);
    instance_destroy(in);
}

int PortSIP_setLicenseKey(void* sdk, const char* key)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_STR("key", key));
    pthread_mutex_unlock(&g_mu);
    return key ? 0 : ECoreArgumentNull; /* the stub accepts any key, as a trial would */
}

int PortSIP_getVersion(void* sdk, int* majorVersion, int* minorVersion)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD0(in); /* out-pointers only: nothing to record */
    pthread_mutex_unlock(&g_mu);
    if (!majorVersion || !minorVersion)
        return ECoreArgumentNull;
    *majorVersion = SDK_MAJOR_VERSION;
    *minorVersion = SDK_MINOR_VERSION;
    return 0;
}

/* ======================================================================== account & registration */

int PortSIP_setUser(void* sdk, const char* userName, const char* displayName, const char* authName, const char* password,
                    const char* sipDomain, const char* sipServerAddr, int sipServerPort, const char* stunServerAddr,
                    int stunServerPort, const char* outboundServerAddr, int outboundServerPort)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_STR("userName", userName), J_STR("displayName", displayName), J_STR("authName", authName),
           J_STR("password", password), J_STR("sipDomain", sipDomain), J_STR("sipServerAddr", sipServerAddr),
           J_INT("sipServerPort", sipServerPort), J_STR("stunServerAddr", stunServerAddr),
           J_INT("stunServerPort", stunServerPort), J_STR("outboundServerAddr", outboundServerAddr),
           J_INT("outboundServerPort", outboundServerPort));
    int rc = ECoreUserNameAuthNameEmpty;
    if (userName && *userName) {
        /* Other fields may be NULL or empty: P2P mode needs no server. */
        set_str(&in->user, userName);
        set_str(&in->display, displayName);
        set_str(&in->domain, sipDomain);
        free(in->uri);
        in->uri = *nz(sipDomain) ? str_printf("sip:%s@%s", userName, sipDomain) : str_printf("sip:%s", userName);
        rc = 0;
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

/* A short, plausible SIP response to REGISTER, naming the user's URI. */
static char* register_response(const instance* in, int code, const char* reason, int expires)
{
    const char* uri = nz(in->uri);
    return str_printf("SIP/2.0 %d %s\r\n"
                      "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-stub\r\n"
                      "From: <%s>;tag=stub\r\n"
                      "To: <%s>;tag=stub-registrar\r\n"
                      "Call-ID: stub-register-%llu\r\n"
                      "CSeq: 1 REGISTER\r\n"
                      "Contact: <%s>;expires=%d\r\n"
                      "Content-Length: 0\r\n\r\n",
                      code, reason, uri, uri, in->serial, uri, expires);
}

static int register_locked(instance* in, int regExpires, int retryTimes)
{
    if (!in->user) /* stub's choice: registering before setUser reports the missing user name */
        return ECoreUserNameAuthNameEmpty;
    if (regExpires < 0 || retryTimes < 0)
        return ECoreArgumentIncorrect;
    /* Manual: the result arrives later as registerSuccess / registerFailure. */
    script sc = in->register_script; /* consume a scripted outcome, if any */
    in->register_script = (script){0};
    int code = sc.set ? sc.code : 200;
    const char* reason = sc.set ? nz(sc.reason) : "OK";
    char* msg = register_response(in, code, reason, is_2xx(code) ? regExpires : 0);
    in->registered = is_2xx(code);
    FIRE(in, is_2xx(code) ? STUB_EV_registerSuccess : STUB_EV_registerFailure, REGISTER_DELAY_MS, A_S(reason), A_I(code),
         A_S(nz(msg)));
    free(msg);
    script_clear(&sc);
    return 0;
}

int PortSIP_registerServer(void* sdk, int regExpires, int retryTimes)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_INT("regExpires", regExpires), J_INT("retryTimes", retryTimes));
    int rc = register_locked(in, regExpires, retryTimes);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

int PortSIP_unRegisterServer(void* sdk)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD0(in);
    in->registered = false; /* stub's choice: no event for unregistering */
    pthread_mutex_unlock(&g_mu);
    return 0;
}

/* ======================================================================== messaging */

int PortSIP_addSupportedMimeType(void* sdk, const char* methodName, const char* mimeType, const char* subMimeType)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_STR("methodName", methodName), J_STR("mimeType", mimeType), J_STR("subMimeType", subMimeType));
    int rc = ECoreArgumentNull;
    if (methodName && mimeType && subMimeType) {
        mime_type* m = vec_push(&in->mimes, sizeof *m);
        if (m) {
            *m = (mime_type){dup_str(methodName), dup_str(mimeType), dup_str(subMimeType)};
            if (!m->method || !m->type || !m->sub) { /* out of memory: forget it again */
                free(m->method);
                free(m->type);
                free(m->sub);
                in->mimes.n--;
            }
        }
        rc = 0;
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

/* Argument checks shared by both sends (manual: the MIME type comes in two parts, the body is
 * bytes + length). */
static int check_body(const char* mimeType, const char* subMimeType, const unsigned char* message, int messageLength)
{
    if (!mimeType || !subMimeType)
        return ECoreArgumentNull;
    if (messageLength < 0 || (!message && messageLength > 0))
        return ECoreArgumentIncorrect;
    return 0;
}

/* What happens to one outgoing MESSAGE. */
typedef struct fate {
    int code;           /* 2xx: the sender gets ...Success, else ...Failure with code/reason */
    const char* reason;
    int delay_ms;       /* of the sender's outcome event */
    bool deliver;       /* the receiver gets the message */
    script sc;          /* the consumed script (owns reason) */
} fate;

/* receiver: the instance the MESSAGE reaches, or NULL (then none_code/none_reason apply). A scripted
 * outcome (stub_script_next_send) is consumed: a failure replaces everything and delivers nothing;
 * a 2xx only delays the sender's success (delivery happens as it would). */
static fate message_fate(instance* in, const instance* receiver, int none_code, const char* none_reason,
                         const char* mimeType, const char* subMimeType)
{
    fate f = {200, "OK", 0, false, in->send_script};
    in->send_script = (script){0};
    if (!receiver) {
        f.code = none_code;
        f.reason = none_reason;
    } else if (!accepts_mime(receiver, mimeType, subMimeType)) {
        f.code = 415; /* manual: other types are not delivered to the application */
        f.reason = "Unsupported Media Type";
    } else {
        f.deliver = true;
    }
    if (f.sc.set) {
        f.delay_ms = f.sc.delay_ms;
        f.code = f.sc.code;
        if (!is_2xx(f.sc.code)) {
            f.reason = nz(f.sc.reason);
            f.deliver = false;
        }
    }
    return f;
}

static long send_out_of_dialog_locked(instance* in, const char* to, const char* mimeType, const char* subMimeType,
                                      const unsigned char* message, int messageLength)
{
    if (!to || !mimeType || !subMimeType)
        return ECoreArgumentNull;
    if (!*to)
        return ECoreInvalidUri;
    int rc = check_body(mimeType, subMimeType, message, messageLength);
    if (rc)
        return rc;
    /* Manual: the send returns a positive id; the outcome arrives later carrying that id. */
    long id = in->next_message_id++;
    instance* target = find_target_locked(to);
    fate f = message_fate(in, target, 404, "Not Found", mimeType, subMimeType);
    const char* target_display = target ? nz(target->display) : "";
    if (f.deliver)
        FIRE(target, STUB_EV_recvOutOfDialogMessage, 0, A_S(nz(in->display)), A_S(nz(in->uri)), A_S(target_display),
             A_S(to), A_S(mimeType), A_S(subMimeType), A_D(message, messageLength));
    if (is_2xx(f.code))
        FIRE(in, STUB_EV_sendOutOfDialogMessageSuccess, f.delay_ms, A_L(id), A_S(nz(in->display)), A_S(nz(in->uri)),
             A_S(target_display), A_S(to));
    else
        FIRE(in, STUB_EV_sendOutOfDialogMessageFailure, f.delay_ms, A_L(id), A_S(nz(in->display)), A_S(nz(in->uri)),
             A_S(target_display), A_S(to), A_S(f.reason), A_I(f.code));
    script_clear(&f.sc);
    return id;
}

long PortSIP_sendOutOfDialogMessage(void* sdk, const char* to, const char* mimeType, const char* subMimeType, bool isSMS,
                                    const unsigned char* message, int messageLength)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_STR("to", to), J_STR("mimeType", mimeType), J_STR("subMimeType", subMimeType), J_BOOL("isSMS", isSMS),
           J_DATA("message", message, messageLength), J_INT("messageLength", messageLength));
    /* isSMS only changes the To header on the wire: nothing to simulate beyond the journal. */
    long rc = send_out_of_dialog_locked(in, to, mimeType, subMimeType, message, messageLength);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

static long send_in_dialog_locked(instance* in, long sessionId, const char* mimeType, const char* subMimeType,
                                  const unsigned char* message, int messageLength)
{
    int rc = check_body(mimeType, subMimeType, message, messageLength);
    if (rc)
        return rc;
    const session* s = find_session(in, sessionId);
    if (!s) /* stub's choice of vendor code for a session that is not open */
        return ECoreInviteSessionNotFound;
    long id = in->next_message_id++;
    /* Manual: sendMessage is sendOutOfDialogMessage inside an established call. A linked peer must
     * still exist with its end of the call open; a peerless session (opened by a test or by an
     * injected invite event) has an implicit remote end that accepts everything. */
    instance* peer = s->peer ? by_serial_locked(s->peer) : NULL;
    const session* ps = peer ? find_session(peer, s->peer_id) : NULL;
    if (ps && (ps->peer != in->serial || ps->peer_id != sessionId))
        ps = NULL;
    fate f = s->peer ? message_fate(in, ps ? peer : NULL, 481, "Call/Transaction Does Not Exist", mimeType, subMimeType)
                     : message_fate(in, NULL, 200, "OK", mimeType, subMimeType);
    if (f.deliver)
        FIRE(peer, STUB_EV_recvMessage, 0, A_L(s->peer_id), A_S(mimeType), A_S(subMimeType), A_D(message, messageLength));
    if (is_2xx(f.code))
        FIRE(in, STUB_EV_sendMessageSuccess, f.delay_ms, A_L(sessionId), A_L(id));
    else
        FIRE(in, STUB_EV_sendMessageFailure, f.delay_ms, A_L(sessionId), A_L(id), A_S(f.reason), A_I(f.code));
    script_clear(&f.sc);
    return id;
}

long PortSIP_sendMessage(void* sdk, long sessionId, const char* mimeType, const char* subMimeType,
                         const unsigned char* message, int messageLength)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_LONG("sessionId", sessionId), J_STR("mimeType", mimeType), J_STR("subMimeType", subMimeType),
           J_DATA("message", message, messageLength), J_INT("messageLength", messageLength));
    long rc = send_in_dialog_locked(in, sessionId, mimeType, subMimeType, message, messageLength);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

/* ======================================================================== presence */

/* A NOTIFY from `in` to one watcher. Manual: the text "Offline" makes one appear offline. An
 * external watcher (injected via stub_emit) has no local instance to notify. */
static void notify_watcher(const instance* in, const in_sub* s, const char* stateText)
{
    instance* w = by_serial_locked(s->watcher);
    if (!w)
        return;
    if (strcmp(stateText, "Offline") == 0)
        FIRE(w, STUB_EV_presenceOffline, 0, A_S(nz(in->display)), A_S(nz(in->uri)));
    else
        FIRE(w, STUB_EV_presenceOnline, 0, A_S(nz(in->display)), A_S(nz(in->uri)), A_S(stateText));
}

/* Break the watcher's link to a subscription this instance dropped (its own id stays valid). */
static void unlink_watcher(const instance* in, const in_sub* s)
{
    instance* w = by_serial_locked(s->watcher);
    out_sub* o = w ? find_out_sub(w, s->watcher_id, true, NULL) : NULL;
    if (o && o->target == in->serial)
        o->target = 0;
}

/* Bump the subscribe-id counter past `id` so later ids do not collide with it. */
static void reserve_subscribe_id(instance* in, long id)
{
    if (id >= in->next_subscribe_id && id < LONG_MAX)
        in->next_subscribe_id = id + 1;
}

int PortSIP_setPresenceMode(void* sdk, int mode)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_INT("mode", mode));
    int rc = ECoreArgumentIncorrect; /* manual: 0 = P2P (default), 1 = presence agent */
    if (mode == 0 || mode == 1) {
        in->presence_mode = mode;
        rc = 0;
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

int PortSIP_setDefaultSubscriptionTime(void* sdk, unsigned int secs)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_INT("secs", secs));
    in->subscription_secs = secs; /* any value accepted: the stub's subscriptions never expire */
    pthread_mutex_unlock(&g_mu);
    return 0;
}

int PortSIP_setDefaultPublicationTime(void* sdk, unsigned int secs)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_INT("secs", secs));
    in->publication_secs = secs;
    pthread_mutex_unlock(&g_mu);
    return 0;
}

static long presence_subscribe_locked(instance* in, const char* to, const char* subject)
{
    if (!to)
        return ECoreArgumentNull;
    if (!*to)
        return ECoreInvalidUri;
    /* Manual: presenceSubscribe returns a subscribe id; the contact's state arrives later. */
    out_sub* o = vec_push(&in->out_subs, sizeof *o);
    if (!o)
        return ECoreStackFailure;
    long id = in->next_subscribe_id++;
    o->id = id;
    o->presence = true;
    instance* target = find_target_locked(to);
    in_sub* s = target ? vec_push(&target->in_subs, sizeof *s) : NULL;
    if (s) {
        /* Manual: an incoming SUBSCRIBE raises presenceRecvSubscribe with the receiver's own id. */
        *s = (in_sub){target->next_subscribe_id++, in->serial, id, SUB_PENDING};
        o->target = target->serial;
        o->target_id = s->id;
        FIRE(target, STUB_EV_presenceRecvSubscribe, 0, A_L(s->id), A_S(nz(in->display)), A_S(nz(in->uri)),
             A_S(nz(subject)));
    } else {
        /* The v17.1 C ABI has no subscription-failure event: the stub reports an unreachable
         * contact (SIP 404) as offline. */
        FIRE(in, STUB_EV_presenceOffline, 0, A_S(""), A_S(to));
    }
    return id;
}

long PortSIP_presenceSubscribe(void* sdk, const char* to, const char* subject)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_STR("to", to), J_STR("subject", subject));
    long rc = presence_subscribe_locked(in, to, subject);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

/* Manual: presenceTerminateSubscribe(id) ends a subscription. Stub: ending our own watch also
 * removes the contact's record of us; ending a watcher's subscription unlinks the watcher. */
static int presence_terminate_locked(instance* in, long id)
{
    size_t i;
    const out_sub* o = find_out_sub(in, id, true, &i);
    if (o) {
        instance* t = by_serial_locked(o->target);
        size_t k;
        const in_sub* s = t ? find_in_sub(t, o->target_id, &k) : NULL;
        if (s && s->watcher == in->serial)
            vec_remove(&t->in_subs, k, sizeof *s);
        vec_remove(&in->out_subs, i, sizeof *o);
        return 0;
    }
    const in_sub* s = find_in_sub(in, id, &i);
    if (!s)
        return ECoreNotFoundSubscribeId;
    unlink_watcher(in, s);
    vec_remove(&in->in_subs, i, sizeof *s);
    return 0;
}

int PortSIP_presenceTerminateSubscribe(void* sdk, long subscribeId)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_LONG("subscribeId", subscribeId));
    int rc = presence_terminate_locked(in, subscribeId);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

int PortSIP_presenceAcceptSubscribe(void* sdk, long subscribeId)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_LONG("subscribeId", subscribeId));
    in_sub* s = find_in_sub(in, subscribeId, NULL);
    if (s) /* manual: accepting alone sends no status; setPresenceStatus sends the NOTIFY */
        s->state = SUB_ACTIVE;
    pthread_mutex_unlock(&g_mu);
    return s ? 0 : ECoreNotFoundSubscribeId;
}

int PortSIP_presenceRejectSubscribe(void* sdk, long subscribeId)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_LONG("subscribeId", subscribeId));
    size_t i;
    const in_sub* s = find_in_sub(in, subscribeId, &i);
    if (s) { /* the rejected watcher sees the contact as offline */
        notify_watcher(in, s, "Offline");
        unlink_watcher(in, s);
        vec_remove(&in->in_subs, i, sizeof *s);
    }
    pthread_mutex_unlock(&g_mu);
    return s ? 0 : ECoreNotFoundSubscribeId;
}

static int set_presence_status_locked(instance* in, long subscribeId, const char* stateText)
{
    if (!stateText)
        return ECoreArgumentNull;
    if (in->presence_mode == 1 && subscribeId == 0) {
        /* Manual: in presence-agent mode setPresenceStatus(0, text) PUBLISHes; the stub plays the
         * presence server too and notifies every accepted watcher. */
        const in_sub* s = in->in_subs.items;
        for (size_t i = 0; i < in->in_subs.n; i++)
            if (s[i].state == SUB_ACTIVE)
                notify_watcher(in, &s[i], stateText);
        return 0;
    }
    /* Manual (P2P): setPresenceStatus(id, text) sends a NOTIFY to that watcher. */
    const in_sub* s = find_in_sub(in, subscribeId, NULL);
    if (!s)
        return ECoreNotFoundSubscribeId;
    if (s->state != SUB_ACTIVE) /* stub's choice: a status before accepting is a misuse */
        return ECoreArgumentIncorrect;
    notify_watcher(in, s, stateText);
    return 0;
}

int PortSIP_setPresenceStatus(void* sdk, long subscribeId, const char* stateText)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_LONG("subscribeId", subscribeId), J_STR("stateText", stateText));
    int rc = set_presence_status_locked(in, subscribeId, stateText);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

long PortSIP_sendSubscription(void* sdk, const char* to, const char* eventName)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_STR("to", to), J_STR("eventName", eventName));
    long rc;
    if (!to || !eventName) {
        rc = ECoreArgumentNull;
    } else if (!*to) {
        rc = ECoreInvalidUri;
    } else { /* same id counter as presenceSubscribe; no events: v17.1 exports no handler for a
                generic subscription's NOTIFYs */
        out_sub* o = vec_push(&in->out_subs, sizeof *o);
        rc = o ? (o->id = in->next_subscribe_id++) : ECoreStackFailure;
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

void PortSIP_terminateSubscription(void* sdk, long subscritionId)
{
    instance* in = lock_live(sdk);
    if (!in)
        return;
    RECORD(in, J_LONG("subscritionId", subscritionId)); /* the vendor's spelling */
    size_t i;
    if (find_out_sub(in, subscritionId, false, &i))
        vec_remove(&in->out_subs, i, sizeof(out_sub));
    pthread_mutex_unlock(&g_mu);
}

/* ======================================================================== control API */

int stub_abi_version(void) { return STUB_ABI_VERSION; }

int stub_event_count(void) { return STUB_EVENT_COUNT; }

const char* stub_event_name(int event)
{
    return event >= 0 && event < STUB_EVENT_COUNT ? stub_event_names[event] : NULL;
}

const char* stub_event_signature(int event)
{
    return event >= 0 && event < STUB_EVENT_COUNT ? stub_event_signatures[event] : NULL;
}

static int kind_of_letter(char letter)
{
    switch (letter) {
    case 'l': return STUB_LONG;
    case 'i': return STUB_INT;
    case 'b': return STUB_BOOL;
    case 's': return STUB_STRING;
    case 'd': return STUB_DATA;
    default: return 0;
    }
}

/* The state change an event from the network implies, applied at emit time. */
static void apply_event_state(instance* in, int event, const stub_arg* a)
{
    switch (event) {
    case STUB_EV_presenceRecvSubscribe: { /* an external watcher: acceptable by its id */
        in_sub* s = find_in_sub(in, a[0].l, NULL);
        if (!s)
            s = vec_push(&in->in_subs, sizeof *s);
        if (s)
            *s = (in_sub){a[0].l, 0, 0, SUB_PENDING};
        reserve_subscribe_id(in, a[0].l);
        break;
    }
    case STUB_EV_inviteIncoming:
    case STUB_EV_inviteConnected:
    case STUB_EV_inviteAnswered:
        if (!find_session(in, a[0].l))
            open_session(in, a[0].l);
        break;
    case STUB_EV_inviteClosed: {
        const session* s = find_session(in, a[0].l);
        if (s)
            vec_remove(&in->sessions, (size_t)(s - (const session*)in->sessions.items), sizeof *s);
        break;
    }
    case STUB_EV_registerSuccess: in->registered = true; break;
    case STUB_EV_registerFailure: in->registered = false; break;
    default: break;
    }
}

static int emit_locked(instance* in, int event, const stub_value* args, int nargs, int delay_ms)
{
    if (event < 0 || event >= STUB_EVENT_COUNT || delay_ms < 0 || nargs < 0 || (nargs > 0 && !args))
        return ECoreArgumentIncorrect;
    const char* sig = stub_event_signatures[event];
    if (nargs > STUB_MAX_ARGS || (size_t)nargs != strlen(sig))
        return ECoreArgumentIncorrect;
    stub_arg a[STUB_MAX_ARGS];
    long long sizes[STUB_MAX_ARGS] = {0};
    memset(a, 0, sizeof a);
    for (int k = 0; k < nargs; k++) {
        const stub_value* v = &args[k];
        if (v->kind != kind_of_letter(sig[k]))
            return ECoreArgumentIncorrect;
        if ((v->kind == STUB_STRING || v->kind == STUB_DATA) && v->bytes && v->size < 0)
            return ECoreArgumentIncorrect;
        switch (sig[k]) {
        case 'l': a[k].l = (long)v->integer; break;
        case 'i': a[k].i = (int)v->integer; break;
        case 'b': a[k].b = v->integer != 0; break;
        case 's': a[k].s = (const char*)v->bytes; break; /* NULL bytes: a NULL pointer */
        default:
            a[k].d = v->bytes;
            a[k].n = (int)v->integer; /* the length argument, possibly unlike size */
            break;
        }
        sizes[k] = v->bytes ? v->size : 0;
    }
    job* j = job_build(event, nargs, a, sizes);
    if (!j) /* arguments checked above: only a copy too large for memory gets here */
        return ECoreDataSizeTooLarge;
    apply_event_state(in, event, a);
    job_push(in, j, delay_ms);
    return 0;
}

int stub_emit(void* sdk, int event, const stub_value* args, int nargs, int delay_ms)
{
    instance* in = lock_live(sdk);
    if (!in)
        return ECoreNotInitialized;
    int rc = emit_locked(in, event, args, nargs, delay_ms);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

/* Store one pending outcome (a later call overwrites it). */
static int script_set(void* sdk, bool for_send, int sip_code, const char* reason, int delay_ms)
{
    instance* in = lock_live(sdk);
    if (!in)
        return ECoreNotInitialized;
    if (delay_ms < 0) {
        pthread_mutex_unlock(&g_mu);
        return ECoreArgumentIncorrect;
    }
    script* s = for_send ? &in->send_script : &in->register_script;
    script_clear(s);
    *s = (script){true, sip_code, dup_str(nz(reason)), delay_ms};
    pthread_mutex_unlock(&g_mu);
    return 0;
}

int stub_script_next_send(void* sdk, int sip_code, const char* reason, int delay_ms)
{
    return script_set(sdk, true, sip_code, reason, delay_ms);
}

int stub_script_next_register(void* sdk, int sip_code, const char* reason)
{
    return script_set(sdk, false, sip_code, reason, 0); /* fired REGISTER_DELAY_MS after the call */
}

static long next_session_id(instance* in)
{
    while (find_session(in, in->next_session_id) || in->next_session_id <= 0)
        in->next_session_id = in->next_session_id < LONG_MAX ? in->next_session_id + 1 : 1;
    return in->next_session_id++;
}

static long open_session_locked(instance* in, instance* peer, long* peer_session_id)
{
    session* mine = open_session(in, next_session_id(in));
    if (!mine)
        return ECoreStackFailure;
    long id = mine->id;
    if (peer) {
        session* theirs = open_session(peer, next_session_id(peer)); /* may reallocate `mine` if peer == in */
        if (!theirs) {
            in->sessions.n--;
            return ECoreStackFailure;
        }
        *theirs = (session){theirs->id, in->serial, id};
        *find_session(in, id) = (session){id, peer->serial, theirs->id};
        if (peer_session_id)
            *peer_session_id = theirs->id;
    }
    return id;
}

long stub_open_session(void* sdk, void* peer_sdk, long* peer_session_id)
{
    instance* in = lock_live(sdk);
    if (!in)
        return ECoreNotInitialized;
    instance* peer = peer_sdk ? live_locked(peer_sdk) : NULL;
    long rc = peer_sdk && !peer ? ECoreNotInitialized : open_session_locked(in, peer, peer_session_id);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

/* Counts are never negative: a dead handle has 0 of everything. */
int stub_journal_count(void* sdk)
{
    instance* in = lock_live(sdk);
    if (!in)
        return 0;
    int n = (int)in->journal.n;
    pthread_mutex_unlock(&g_mu);
    return n;
}

int stub_journal_entry(void* sdk, int index, const char** function, const stub_value** args, int* nargs)
{
    instance* in = lock_live(sdk);
    if (!in)
        return ECoreNotInitialized;
    int rc = ECoreArgumentIncorrect;
    if (index >= 0 && (size_t)index < in->journal.n) {
        const journal_entry* e = ((journal_entry**)in->journal.items)[index];
        if (function)
            *function = e->function;
        if (args)
            *args = e->args;
        if (nargs)
            *nargs = e->nargs;
        rc = 0;
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

void stub_journal_clear(void* sdk)
{
    instance* in = lock_live(sdk);
    if (!in)
        return;
    journal_clear(in);
    pthread_mutex_unlock(&g_mu);
}

/* Which counter to read: 0 fired, 1 non-zero returns, 2 pending. */
static int read_counter(void* sdk, int which)
{
    instance* in = lock_live(sdk);
    if (!in)
        return 0;
    pthread_mutex_lock(&in->mu);
    int n = which == 0 ? in->fired : which == 1 ? in->nonzero : in->pending;
    pthread_mutex_unlock(&in->mu);
    pthread_mutex_unlock(&g_mu);
    return n;
}

int stub_callbacks_fired(void* sdk) { return read_counter(sdk, 0); }

int stub_callbacks_nonzero(void* sdk) { return read_counter(sdk, 1); }

int stub_pending_events(void* sdk) { return read_counter(sdk, 2); }
