/*
 * portsip_events.c - the native event queue (see portsip_events.h for what and why).
 *
 * On the SDK's thread a handler does: look its queue up by callbackObject (two atomic operations),
 * take the queue's mutex, copy the arguments into the current chunk, release. It never waits for
 * anything but that mutex, which no one holds for longer than one such copy or one pointer swap:
 * the consumer takes whole chunks (pev_next) and parses them after unlocking.
 *
 * Locks: g_open_mu guards queue creation and the slots' queue pointers; q->mu guards one queue.
 * A handler takes no lock to find its queue: slots are found by id, and a handler announces itself
 * in slot->users before reading slot->id, so pev_close can wait until no handler is inside.
 * Threads, locks, the clock and atomics come from ps_threads.h, as in the stub.
 */
#include "ps_threads.h" /* first: it sets the feature macros of the system headers */

#include "portsip_abi.h"
#include "portsip_events.h"
#include "portsip_events.generated.h" /* PEV_EVENT_COUNT, PEV_FRAME_FIRST, signatures, handler lists */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- records and chunks */

#define CHUNK_SIZE (256 * 1024)       /* records are copied into chunks this big; a bigger record gets its own */
#define SPARE_LIMIT (8 * 1024 * 1024) /* recycled chunks above this size go back to the allocator */
#define SPARES 4                      /* recycled chunks kept per queue */

/* One argument of a handler call, as the generated handler lists store it. */
typedef struct pev_arg {
    long long l; /* long */
    int i;       /* int; for data: the length argument */
    bool b;
    const void* p; /* string or data */
} pev_arg;

typedef struct chunk {
    struct chunk* next;
    size_t used, cap;
    int records;           /* events, frames and markers */
    int events, frames;    /* records that count in the budget */
    long long event_bytes; /* their bytes */
    unsigned char data[];
} chunk;

struct pev_queue {
    ps_mutex mu;
    ps_cond cv;
    chunk* head; /* queued, oldest first; producers append to tail */
    chunk* tail;
    chunk* handed;        /* the batch the consumer holds */
    chunk* spare[SPARES]; /* recycled chunks: steady traffic never calls malloc on the SDK's thread */
    long long max_events, max_bytes;
    pev_counters n;
    bool closed;
    bool consumer_waiting;
    int slot;
};

static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

static size_t field_size(char kind)
{
    switch (kind) {
    case 'l': return 8;
    case 'b': return 1;
    default: return 4; /* i, and the lengths of s and d */
    }
}

/* The payload length of a string or data argument: 0 for NULL (the binding gives "" and b""). */
static long long payload_length(char kind, const pev_arg* a)
{
    if (kind == 's')
        return a->p ? (long long)strlen(a->p) : 0;
    return a->p && a->i > 0 ? a->i : 0;
}

/* The smallest recycled chunk of at least `cap` bytes, or NULL. Caller holds q->mu. */
static chunk* take_spare(pev_queue* q, size_t cap)
{
    int best = -1;
    for (int k = 0; k < SPARES; k++)
        if (q->spare[k] && q->spare[k]->cap >= cap && (best < 0 || q->spare[k]->cap < q->spare[best]->cap))
            best = k;
    if (best < 0)
        return NULL;
    chunk* c = q->spare[best];
    q->spare[best] = NULL;
    return c;
}

/* Keep a chunk for reuse; returns the chunk to free instead (the smallest), or NULL. Caller holds q->mu. */
static chunk* keep_spare(pev_queue* q, chunk* c)
{
    if (c->cap > SPARE_LIMIT)
        return c;
    int smallest = 0;
    for (int k = 0; k < SPARES; k++) {
        if (!q->spare[k]) {
            q->spare[k] = c;
            return NULL;
        }
        if (q->spare[k]->cap < q->spare[smallest]->cap)
            smallest = k;
    }
    if (q->spare[smallest]->cap >= c->cap)
        return c;
    chunk* out = q->spare[smallest];
    q->spare[smallest] = c;
    return out;
}

/* Room for `size` bytes at the queue's tail, or NULL when memory ran out. Caller holds q->mu. */
static unsigned char* reserve(pev_queue* q, size_t size)
{
    chunk* c = q->tail;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > CHUNK_SIZE ? size : CHUNK_SIZE;
        c = take_spare(q, cap);
        if (!c) {
            c = malloc(sizeof *c + cap);
            if (!c)
                return NULL;
            c->cap = cap;
        }
        c->next = NULL;
        c->used = 0;
        c->records = c->events = c->frames = 0;
        c->event_bytes = 0;
        if (q->tail)
            q->tail->next = c;
        else
            q->head = c;
        q->tail = c;
    }
    unsigned char* at = c->data + c->used;
    c->used += size;
    c->records++;
    return at;
}

static void put_header(unsigned char* at, size_t size, unsigned event, unsigned flags)
{
    uint32_t s = (uint32_t)size;
    uint16_t e = (uint16_t)event, f = (uint16_t)flags;
    memcpy(at, &s, 4);
    memcpy(at + 4, &e, 2);
    memcpy(at + 6, &f, 2);
}

/* Write the record of one handler call. */
static void put_event(unsigned char* at, size_t size, int event, const char* sig, const pev_arg* a, const long long* lengths)
{
    put_header(at, size, (unsigned)event, 0);
    unsigned char* p = at + PEV_HEADER_SIZE;
    long long payload_end = 0;
    for (int k = 0; sig[k]; k++) {
        switch (sig[k]) {
        case 'l': {
            int64_t v = a[k].l;
            memcpy(p, &v, 8);
            break;
        }
        case 'i': {
            int32_t v = a[k].i;
            memcpy(p, &v, 4);
            break;
        }
        case 'b':
            *p = a[k].b ? 1 : 0;
            break;
        default: { /* s, d: where its bytes end, counted from the first payload byte */
            if (lengths[k] > 0)
                payload_end += lengths[k];
            int32_t v = (int32_t)payload_end; /* push() admits no record of INT32_MAX bytes or more */
            memcpy(p, &v, 4);
        }
        }
        p += field_size(sig[k]);
    }
    for (int k = 0; sig[k]; k++)
        if ((sig[k] == 's' || sig[k] == 'd') && lengths[k] > 0) {
            memcpy(p, a[k].p, (size_t)lengths[k]);
            p += lengths[k];
        }
    memset(p, 0, (size_t)(at + size - p)); /* padding: never hand over uninitialised bytes */
}

static void count_call(pev_queue* q, bool frame)
{
    if (frame)
        q->n.frames_received++;
    else
        q->n.received++;
}

static void count_drop(pev_queue* q, bool frame)
{
    if (frame)
        q->n.frames_dropped++;
    else
        q->n.dropped++;
}

/* Accept one record into the budget, or count it as dropped (see the budget in portsip_events.h).
 * Caller holds q->mu. */
static unsigned char* admit(pev_queue* q, size_t size, bool frame)
{
    count_call(q, frame);
    long long queued = q->n.queued_events + q->n.frames_queued;
    long long max_events = frame ? q->max_events / 2 : q->max_events;
    long long max_bytes = frame ? q->max_bytes / 2 : q->max_bytes;
    bool fits = queued < max_events && q->n.queued_bytes + (long long)size <= max_bytes;
    unsigned char* at = fits || queued == 0 ? reserve(q, size) : NULL;
    if (!at) {
        count_drop(q, frame);
        return NULL;
    }
    if (frame) {
        q->tail->frames++;
        q->n.frames_queued++;
    } else {
        q->tail->events++;
        q->n.queued_events++;
    }
    q->tail->event_bytes += (long long)size;
    q->n.queued_bytes += (long long)size;
    return at;
}

/* Unlock the queue, then wake its consumer if it waits: signalling after unlocking spares the
 * woken thread from blocking at once on the mutex this thread still holds (a second context switch).
 * The queue cannot go away meanwhile: pev_close waits for every handler inside it. */
static void unlock_and_wake(pev_queue* q, bool wake)
{
    ps_mutex_unlock(&q->mu);
    if (wake)
        ps_cond_signal(&q->cv);
}

static void push(pev_queue* q, int event, long callbackIndex, const pev_arg* a)
{
    bool frame = event >= PEV_FRAME_FIRST;
    const char* sig = pev_signatures[event];
    if (callbackIndex != event) { /* reported on the Python side, with the index the SDK passed */
        ps_mutex_lock(&q->mu);
        unsigned char* at = admit(q, PEV_HEADER_SIZE + 8, frame);
        if (at) {
            int64_t index = callbackIndex;
            put_header(at, PEV_HEADER_SIZE + 8, (unsigned)event, PEV_FLAG_BAD_INDEX);
            memcpy(at + PEV_HEADER_SIZE, &index, 8);
        }
        unlock_and_wake(q, at && q->consumer_waiting);
        return;
    }
    long long lengths[PEV_MAX_ARGS];
    long long payload = 0; /* bytes of all strings and data */
    size_t size = PEV_HEADER_SIZE;
    for (int k = 0; sig[k]; k++) {
        size += field_size(sig[k]);
        if (sig[k] == 's' || sig[k] == 'd') {
            lengths[k] = payload_length(sig[k], &a[k]);
            if (lengths[k] > 0 && payload < INT32_MAX) /* saturates: the sum of 2 GiB lengths must not wrap */
                payload += lengths[k] < INT32_MAX ? lengths[k] : INT32_MAX;
        }
    }
    bool wake = false;
    ps_mutex_lock(&q->mu);
    if (payload >= INT32_MAX) { /* cannot be described in a record (int32 offsets): counted as dropped */
        count_call(q, frame);
        count_drop(q, frame);
    } else {
        size = round8(size + (size_t)payload);
        unsigned char* at = admit(q, size, frame);
        if (at) {
            put_event(at, size, event, sig, a, lengths);
            wake = q->consumer_waiting;
        }
    }
    unlock_and_wake(q, wake);
}

/* ---------------------------------------------------------------- routing */

#define SLOTS 4096                  /* queues open at once */
#define MAX_ID ((long long)INT_MAX) /* ids fit the SDK's long even where it is 32-bit (Windows) */

typedef struct slot {
    volatile long id;    /* the open queue's id, 0 when closed (atomic) */
    volatile long users; /* handlers inside this slot right now (atomic) */
    pev_queue* q;
} slot;

static slot g_slots[SLOTS];
static ps_mutex g_open_mu = PS_MUTEX_INIT;
static long long g_next_id = 1;          /* guarded by g_open_mu */
static volatile long long g_late_calls; /* atomic */

/* long long, not long: where long is 32-bit every positive long is in range */
static bool is_valid_id(long long id) { return id > 0 && id <= MAX_ID; }

static slot* slot_of(long id) { return &g_slots[(unsigned long)(id - 1) % SLOTS]; }

/* Called by every handler. */
static int route(int event, long callbackIndex, long callbackObject, const pev_arg* a)
{
    if (!is_valid_id(callbackObject)) {
        ps_atomic_add64(&g_late_calls, 1);
        return 0;
    }
    slot* s = slot_of(callbackObject);
    ps_atomic_inc(&s->users); /* before reading the id: pev_close waits for us from here on */
    if (ps_atomic_load(&s->id) == callbackObject)
        push(s->q, event, callbackIndex, a);
    else
        ps_atomic_add64(&g_late_calls, 1);
    ps_atomic_dec(&s->users);
    return 0;
}

/* The handlers: one per entry of the generated lists, with its typedef's exact parameters. */
#define PEV_L(k, v) a[k].l = (v);
#define PEV_I(k, v) a[k].i = (v);
#define PEV_B(k, v) a[k].b = (v);
#define PEV_S(k, v) a[k].p = (v);
#define PEV_D(k, v, n) a[k].p = (v); a[k].i = (n);
#define DEFINE_EVENT_HANDLER(index, name, type, params, stores) \
    static int pev_on_##name params \
    { \
        pev_arg a[PEV_MAX_ARGS]; \
        stores return route(index, callbackIndex, callbackObject, a); \
    }
/* A media stream callback has no callbackIndex: the routing id travels in its void* callbackObject. */
#define DEFINE_FRAME_HANDLER(index, name, type, params, stores) \
    static int pev_on_##name params \
    { \
        pev_arg a[PEV_MAX_ARGS]; \
        stores return route(index, index, (long)(intptr_t)callbackObject, a); \
    }
PEV_EVENT_HANDLERS(DEFINE_EVENT_HANDLER)
PEV_FRAME_HANDLERS(DEFINE_FRAME_HANDLER)

#define HANDLER_CASE(index, name, type, params, stores) \
    case index: { \
        type handler = pev_on_##name; /* the compiler checks the type */ \
        return (pev_fn)handler; \
    }

pev_fn pev_handler(int event)
{
    switch (event) {
        PEV_EVENT_HANDLERS(HANDLER_CASE)
        PEV_FRAME_HANDLERS(HANDLER_CASE)
    default:
        return NULL;
    }
}

/* ---------------------------------------------------------------- the API */

int pev_abi_version(void) { return PEV_ABI_VERSION; }

int pev_frame_first(void) { return PEV_FRAME_FIRST; }

int pev_event_count(void) { return PEV_EVENT_COUNT; }

const char* pev_event_signature(int event) { return event >= 0 && event < PEV_EVENT_COUNT ? pev_signatures[event] : NULL; }

long long pev_late_calls(void) { return ps_atomic_load64(&g_late_calls); }

pev_queue* pev_open(long long max_events, long long max_bytes, long* id)
{
    if (!id || max_events < 1 || max_bytes < 1)
        return NULL;
    pev_queue* q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    if (ps_mutex_init(&q->mu) != 0) {
        free(q);
        return NULL;
    }
    if (ps_cond_init(&q->cv) != 0) {
        ps_mutex_destroy(&q->mu);
        free(q);
        return NULL;
    }
    q->max_events = max_events;
    q->max_bytes = max_bytes;
    ps_mutex_lock(&g_open_mu);
    long found = 0;
    for (int tries = 0; tries < SLOTS && g_next_id <= MAX_ID; tries++) {
        long candidate = (long)g_next_id++;
        if (!slot_of(candidate)->q) {
            found = candidate;
            break;
        }
    }
    if (found) {
        slot* s = slot_of(found);
        q->slot = (int)(s - g_slots);
        s->q = q;
        ps_atomic_store(&s->id, found); /* published last: a handler that sees the id sees the queue */
    }
    ps_mutex_unlock(&g_open_mu);
    if (!found) {
        ps_cond_destroy(&q->cv);
        ps_mutex_destroy(&q->mu);
        free(q);
        return NULL;
    }
    *id = found;
    return q;
}

int pev_next(pev_queue* q, int timeout_ms, pev_batch* batch)
{
    ps_mutex_lock(&q->mu);
    chunk* done = q->handed ? keep_spare(q, q->handed) : NULL; /* the consumer is through with its previous batch */
    q->handed = NULL;
    int64_t deadline = ps_now_ns() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
    while (!q->head && !q->closed && timeout_ms != 0) {
        q->consumer_waiting = true;
        int timed_out = 0;
        if (timeout_ms < 0)
            ps_cond_wait(&q->cv, &q->mu);
        else
            timed_out = ps_cond_wait_until(&q->cv, &q->mu, deadline);
        q->consumer_waiting = false;
        if (timed_out)
            break;
    }
    int n;
    if (q->head) {
        chunk* c = q->head;
        q->head = c->next;
        if (!q->head)
            q->tail = NULL; /* producers start a new chunk */
        c->next = NULL;
        q->n.queued_events -= c->events; /* handed over: out of the queue's budget */
        q->n.frames_queued -= c->frames;
        q->n.queued_bytes -= c->event_bytes;
        q->handed = c;
        batch->data = c->data;
        batch->size = (long long)c->used;
        n = c->records;
    } else {
        batch->data = NULL;
        batch->size = 0;
        n = q->closed ? -1 : 0;
    }
    batch->records = n > 0 ? n : 0;
    batch->dropped = q->n.dropped;
    batch->frames_dropped = q->n.frames_dropped;
    ps_mutex_unlock(&q->mu);
    free(done);
    return n;
}

int pev_mark(pev_queue* q, long long token)
{
    int rc = -1;
    ps_mutex_lock(&q->mu);
    unsigned char* at = q->closed ? NULL : reserve(q, PEV_HEADER_SIZE + 8);
    if (at) {
        int64_t t = token;
        put_header(at, PEV_HEADER_SIZE + 8, PEV_MARKER, 0);
        memcpy(at + PEV_HEADER_SIZE, &t, 8);
        rc = 0;
    }
    unlock_and_wake(q, at && q->consumer_waiting);
    return rc;
}

long long pev_discard(pev_queue* q)
{
    ps_mutex_lock(&q->mu);
    chunk* c = q->head;
    q->head = q->tail = NULL;
    long long events = 0;
    for (chunk* p = c; p; p = p->next)
        events += p->events;
    q->n.discarded += events;
    q->n.queued_events = q->n.frames_queued = q->n.queued_bytes = 0;
    ps_mutex_unlock(&q->mu);
    while (c) {
        chunk* next = c->next;
        free(c);
        c = next;
    }
    return events;
}

void pev_counters_get(pev_queue* q, pev_counters* out)
{
    ps_mutex_lock(&q->mu);
    *out = q->n;
    ps_mutex_unlock(&q->mu);
}

void pev_close(pev_queue* q)
{
    slot* s = &g_slots[q->slot];
    ps_mutex_lock(&g_open_mu);
    ps_atomic_store(&s->id, 0); /* new handler calls no longer find the queue */
    ps_mutex_unlock(&g_open_mu);
    while (ps_atomic_load(&s->users) != 0) /* a handler still copying into it: a few microseconds */
        ps_thread_yield();
    ps_mutex_lock(&q->mu);
    q->closed = true;
    ps_cond_broadcast(&q->cv);
    ps_mutex_unlock(&q->mu);
}

void pev_free(pev_queue* q)
{
    if (!q)
        return;
    pev_close(q);
    ps_mutex_lock(&g_open_mu);
    g_slots[q->slot].q = NULL; /* the slot may now take a new id */
    ps_mutex_unlock(&g_open_mu);
    for (chunk* c = q->head; c;) {
        chunk* next = c->next;
        free(c);
        c = next;
    }
    free(q->handed);
    for (int k = 0; k < SPARES; k++)
        free(q->spare[k]);
    ps_cond_destroy(&q->cv);
    ps_mutex_destroy(&q->mu);
    free(q);
}
