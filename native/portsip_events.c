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
 */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L
#endif

#include "portsip_abi.h"
#include "portsip_events.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- threads and atomics */

#if defined(_WIN32)
#include <windows.h>
typedef SRWLOCK pev_mutex;
typedef CONDITION_VARIABLE pev_cond;
static void mutex_init(pev_mutex* m) { InitializeSRWLock(m); }
static void mutex_destroy(pev_mutex* m) { (void)m; }
static void mutex_lock(pev_mutex* m) { AcquireSRWLockExclusive(m); }
static void mutex_unlock(pev_mutex* m) { ReleaseSRWLockExclusive(m); }
static void cond_init(pev_cond* c) { InitializeConditionVariable(c); }
static void cond_destroy(pev_cond* c) { (void)c; }
static void cond_signal(pev_cond* c) { WakeConditionVariable(c); }
static void cond_broadcast(pev_cond* c) { WakeAllConditionVariable(c); }
static void cond_wait_ms(pev_cond* c, pev_mutex* m, int timeout_ms)
{
    SleepConditionVariableSRW(c, m, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms, 0);
}
static void yield_thread(void) { SwitchToThread(); }
static long long now_ms(void) { return (long long)GetTickCount64(); }
static pev_mutex g_open_mu = SRWLOCK_INIT;
#else
#include <pthread.h>
#include <sched.h>
#include <time.h>
typedef pthread_mutex_t pev_mutex;
typedef pthread_cond_t pev_cond;
static void mutex_init(pev_mutex* m) { pthread_mutex_init(m, NULL); }
static void mutex_destroy(pev_mutex* m) { pthread_mutex_destroy(m); }
static void mutex_lock(pev_mutex* m) { pthread_mutex_lock(m); }
static void mutex_unlock(pev_mutex* m) { pthread_mutex_unlock(m); }
#if defined(__APPLE__) /* no pthread_condattr_setclock: waits use the wall clock there */
#define PEV_CLOCK CLOCK_REALTIME
#else
#define PEV_CLOCK CLOCK_MONOTONIC
#endif
static void cond_init(pev_cond* c)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
#if !defined(__APPLE__)
    pthread_condattr_setclock(&attr, PEV_CLOCK);
#endif
    pthread_cond_init(c, &attr);
    pthread_condattr_destroy(&attr);
}
static void cond_destroy(pev_cond* c) { pthread_cond_destroy(c); }
static void cond_signal(pev_cond* c) { pthread_cond_signal(c); }
static void cond_broadcast(pev_cond* c) { pthread_cond_broadcast(c); }
static void cond_wait_ms(pev_cond* c, pev_mutex* m, int timeout_ms)
{
    if (timeout_ms < 0) {
        pthread_cond_wait(c, m);
        return;
    }
    struct timespec due;
    clock_gettime(PEV_CLOCK, &due);
    due.tv_sec += timeout_ms / 1000;
    due.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (due.tv_nsec >= 1000000000L) {
        due.tv_sec++;
        due.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(c, m, &due);
}
static void yield_thread(void) { sched_yield(); }
static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(PEV_CLOCK, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}
static pev_mutex g_open_mu = PTHREAD_MUTEX_INITIALIZER;
#endif

#if defined(_MSC_VER)
#include <intrin.h>
#define atomic_inc(p) _InterlockedIncrement((volatile long*)(p))
#define atomic_dec(p) _InterlockedDecrement((volatile long*)(p))
#define atomic_get(p) _InterlockedCompareExchange((volatile long*)(p), 0, 0)
#define atomic_set(p, v) _InterlockedExchange((volatile long*)(p), (v))
#define atomic_add64(p, v) _InterlockedExchangeAdd64((volatile long long*)(p), (v))
#define atomic_get64(p) _InterlockedCompareExchange64((volatile long long*)(p), 0, 0)
#define atomic_set64(p, v) _InterlockedExchange64((volatile long long*)(p), (v))
#else
#define atomic_inc(p) __atomic_add_fetch((p), 1, __ATOMIC_SEQ_CST)
#define atomic_dec(p) __atomic_sub_fetch((p), 1, __ATOMIC_SEQ_CST)
#define atomic_get(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define atomic_set(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define atomic_add64(p, v) __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
#define atomic_get64(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define atomic_set64(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#endif

/* ---------------------------------------------------------------- records and chunks */

#define HEADER_SIZE 8
#define CHUNK_SIZE (256 * 1024) /* records are copied into chunks this big; a bigger record gets its own */
#define SPARE_LIMIT (8 * 1024 * 1024) /* recycled chunks above this size go back to the allocator */
#define SPARES 4                      /* recycled chunks kept per queue */
#define MAX_ARGS 10

/* One argument of a handler call, as the generated handlers pass it on. */
typedef struct pev_arg {
    long long l; /* long */
    int i;       /* int; for data: the length argument */
    bool b;
    const void* p; /* string or data */
} pev_arg;

typedef struct chunk {
    struct chunk* next;
    size_t used, cap;
    int records;           /* events and markers */
    int events;            /* records that count in the budget */
    long long event_bytes; /* their bytes */
    unsigned char data[];
} chunk;

struct pev_queue {
    pev_mutex mu;
    pev_cond cv;
    chunk* head; /* queued, oldest first; producers append to tail */
    chunk* tail;
    chunk* handed; /* the batch the consumer holds */
    chunk* spare[SPARES]; /* recycled chunks: steady traffic never calls malloc on the SDK's thread */
    long long max_events, max_bytes;
    pev_counters n; /* pending_events/bytes are derived: admitted - released - discarded */
    long long admitted_events, admitted_bytes, discarded_bytes;
    pev_shared shared;
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

/* The payload length of a string or data argument: -1 for a NULL string, 0 for NULL data. */
static long long payload_length(char kind, const pev_arg* a)
{
    if (kind == 's')
        return a->p ? (long long)strlen(a->p) : -1;
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
        c->records = c->events = 0;
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
    unsigned char* p = at + HEADER_SIZE;
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
        default: {
            int32_t v = (int32_t)lengths[k];
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

/* What the budget holds now: admitted, not released by the consumer, not discarded. Caller holds q->mu. */
static void pending(pev_queue* q, long long* events, long long* bytes)
{
    pev_shared* sh = &q->shared;
    *events = q->admitted_events - q->n.discarded - atomic_get64(&sh->released_events[0]) - atomic_get64(&sh->released_events[1]);
    *bytes = q->admitted_bytes - q->discarded_bytes - atomic_get64(&sh->released_bytes[0]) - atomic_get64(&sh->released_bytes[1]);
}

static void count_drop(pev_queue* q, bool frame)
{
    if (frame) {
        q->n.frames_dropped++;
        atomic_set64(&q->shared.dropped_frames, q->n.frames_dropped);
    } else {
        q->n.dropped++;
        atomic_set64(&q->shared.dropped, q->n.dropped);
    }
}

/* Accept one record into the budget, or count it as dropped. Media frames may fill only half of
 * it, so that a stream of frames the consumer cannot keep up with never crowds out events.
 * Caller holds q->mu. */
static unsigned char* admit(pev_queue* q, size_t size, bool frame)
{
    if (frame)
        q->n.frames_received++;
    else
        q->n.received++;
    long long events, bytes;
    pending(q, &events, &bytes);
    long long max_events = frame ? q->max_events / 2 : q->max_events;
    long long max_bytes = frame ? q->max_bytes / 2 : q->max_bytes;
    unsigned char* at = NULL;
    if (events < max_events && bytes + (long long)size <= max_bytes)
        at = reserve(q, size);
    if (!at) {
        count_drop(q, frame);
        return NULL;
    }
    q->tail->events++;
    q->tail->event_bytes += (long long)size;
    q->admitted_events++;
    q->admitted_bytes += (long long)size;
    q->n.queued_events++;
    return at;
}

static int frame_first(void); /* the first record kind that is a media frame (generated table) */

static void wake_consumer(pev_queue* q)
{
    if (q->consumer_waiting)
        cond_signal(&q->cv);
}

static void push(pev_queue* q, int event, long callbackIndex, const char* sig, const pev_arg* a)
{
    bool frame = event >= frame_first();
    if (callbackIndex != event) { /* reported on the Python side, with the index the SDK passed */
        mutex_lock(&q->mu);
        unsigned char* at = admit(q, HEADER_SIZE + 8, frame);
        if (at) {
            int64_t index = callbackIndex;
            put_header(at, HEADER_SIZE + 8, (unsigned)event, PEV_FLAG_BAD_INDEX);
            memcpy(at + HEADER_SIZE, &index, 8);
            wake_consumer(q);
        }
        mutex_unlock(&q->mu);
        return;
    }
    long long lengths[MAX_ARGS];
    size_t size = HEADER_SIZE;
    for (int k = 0; sig[k]; k++) {
        size += field_size(sig[k]);
        if (sig[k] == 's' || sig[k] == 'd') {
            lengths[k] = payload_length(sig[k], &a[k]);
            if (lengths[k] > 0)
                size += (size_t)lengths[k];
        }
    }
    size = round8(size);
    if (size > UINT32_MAX) { /* cannot be described in a record: counted as dropped */
        mutex_lock(&q->mu);
        if (frame)
            q->n.frames_received++;
        else
            q->n.received++;
        count_drop(q, frame);
        mutex_unlock(&q->mu);
        return;
    }
    mutex_lock(&q->mu);
    unsigned char* at = admit(q, size, frame);
    if (at) {
        put_event(at, size, event, sig, a, lengths);
        wake_consumer(q);
    }
    mutex_unlock(&q->mu);
}

/* ---------------------------------------------------------------- routing */

#define SLOTS 4096                 /* queues open at once */
#define MAX_ID ((long long)INT_MAX) /* ids fit the SDK's long even where it is 32-bit (Windows) */

typedef struct slot {
    long id;   /* the open queue's id, 0 when closed (atomic) */
    long users; /* handlers inside this slot right now (atomic) */
    pev_queue* q;
} slot;

static slot g_slots[SLOTS];
static long long g_next_id = 1; /* guarded by g_open_mu */
static long long g_late_calls;  /* atomic */

/* long long, not long: where long is 32-bit every positive long is in range */
static bool is_valid_id(long long id) { return id > 0 && id <= MAX_ID; }

static slot* slot_of(long id) { return &g_slots[(unsigned long)(id - 1) % SLOTS]; }

/* Called by every generated handler. */
static int route(int event, long callbackIndex, long callbackObject, const pev_arg* a)
{
    if (!is_valid_id(callbackObject)) {
        atomic_add64(&g_late_calls, 1);
        return 0;
    }
    slot* s = slot_of(callbackObject);
    atomic_inc(&s->users); /* before reading the id: pev_close waits for us from here on */
    if (atomic_get(&s->id) == callbackObject)
        push(s->q, event, callbackIndex, pev_event_signature(event), a);
    else
        atomic_add64(&g_late_calls, 1);
    atomic_dec(&s->users);
    return 0;
}

#include "portsip_events.generated.h"

static int frame_first(void) { return PEV_FRAME_FIRST; }

int pev_abi_version(void) { return PEV_ABI_VERSION; }

int pev_frame_first(void) { return PEV_FRAME_FIRST; }

int pev_event_count(void) { return PEV_EVENT_COUNT; }

const char* pev_event_signature(int event) { return event >= 0 && event < PEV_EVENT_COUNT ? pev_signatures[event] : NULL; }

long long pev_late_calls(void) { return atomic_get64(&g_late_calls); }

pev_queue* pev_open(long long max_events, long long max_bytes, long* id)
{
    if (!id || max_events < 1 || max_bytes < 1)
        return NULL;
    pev_queue* q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    mutex_init(&q->mu);
    cond_init(&q->cv);
    q->max_events = max_events;
    q->max_bytes = max_bytes;
    mutex_lock(&g_open_mu);
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
        atomic_set(&s->id, found); /* published last: a handler that sees the id sees the queue */
    }
    mutex_unlock(&g_open_mu);
    if (!found) {
        cond_destroy(&q->cv);
        mutex_destroy(&q->mu);
        free(q);
        return NULL;
    }
    *id = found;
    return q;
}

int pev_next(pev_queue* q, int timeout_ms, const unsigned char** data, long long* size)
{
    mutex_lock(&q->mu);
    chunk* done = q->handed ? keep_spare(q, q->handed) : NULL; /* the consumer is through with its previous batch */
    q->handed = NULL;
    long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
    while (!q->head && !q->closed && timeout_ms != 0) {
        int wait_ms = -1;
        if (timeout_ms > 0) {
            long long left = deadline - now_ms();
            if (left <= 0)
                break;
            wait_ms = left > INT_MAX ? INT_MAX : (int)left;
        }
        q->consumer_waiting = true;
        cond_wait_ms(&q->cv, &q->mu, wait_ms);
        q->consumer_waiting = false;
    }
    int n;
    if (q->head) {
        chunk* c = q->head;
        q->head = c->next;
        if (!q->head)
            q->tail = NULL; /* producers start a new chunk */
        c->next = NULL;
        q->n.queued_events -= c->events;
        q->handed = c;
        *data = c->data;
        *size = (long long)c->used;
        n = c->records;
    } else {
        n = q->closed ? -1 : 0;
    }
    mutex_unlock(&q->mu);
    free(done);
    return n;
}

pev_shared* pev_shared_counters(pev_queue* q) { return &q->shared; }

int pev_mark(pev_queue* q, long long token)
{
    int rc = -1;
    mutex_lock(&q->mu);
    unsigned char* at = q->closed ? NULL : reserve(q, HEADER_SIZE + 8);
    if (at) {
        int64_t t = token;
        put_header(at, HEADER_SIZE + 8, PEV_MARKER, 0);
        memcpy(at + HEADER_SIZE, &t, 8);
        wake_consumer(q);
        rc = 0;
    }
    mutex_unlock(&q->mu);
    return rc;
}

long long pev_discard(pev_queue* q)
{
    mutex_lock(&q->mu);
    chunk* c = q->head;
    q->head = q->tail = NULL;
    long long events = 0, bytes = 0;
    for (chunk* p = c; p; p = p->next) {
        events += p->events;
        bytes += p->event_bytes;
    }
    q->n.discarded += events;
    q->discarded_bytes += bytes;
    q->n.queued_events -= events;
    mutex_unlock(&q->mu);
    while (c) {
        chunk* next = c->next;
        free(c);
        c = next;
    }
    return events;
}

void pev_counters_get(pev_queue* q, pev_counters* out)
{
    mutex_lock(&q->mu);
    *out = q->n;
    pending(q, &out->pending_events, &out->pending_bytes);
    mutex_unlock(&q->mu);
}

void pev_close(pev_queue* q)
{
    slot* s = &g_slots[q->slot];
    mutex_lock(&g_open_mu);
    atomic_set(&s->id, 0); /* new handler calls no longer find the queue */
    mutex_unlock(&g_open_mu);
    while (atomic_get(&s->users) != 0) /* a handler still copying into it: a few microseconds */
        yield_thread();
    mutex_lock(&q->mu);
    q->closed = true;
    cond_broadcast(&q->cv);
    mutex_unlock(&q->mu);
}

void pev_free(pev_queue* q)
{
    if (!q)
        return;
    pev_close(q);
    mutex_lock(&g_open_mu);
    g_slots[q->slot].q = NULL; /* the slot may now take a new id */
    mutex_unlock(&g_open_mu);
    for (chunk* c = q->head; c;) {
        chunk* next = c->next;
        free(c);
        c = next;
    }
    free(q->handed);
    for (int k = 0; k < SPARES; k++)
        free(q->spare[k]);
    cond_destroy(&q->cv);
    mutex_destroy(&q->mu);
    free(q);
}
