/*
 * portsip_events.h - the native event queue: C handlers for the SDK's 40 callbacks that copy each
 * event into a bounded queue and return at once, without ever entering Python.
 *
 * Why it exists: a handler made with cffi's ffi.callback must take the GIL on the SDK's thread, so
 * that thread waits whenever Python is busy (up to a switch interval, 5 ms, and longer under load),
 * and an SDK thread that calls after the interpreter began finalizing can crash the process. These
 * handlers are plain C: they look up the queue by callbackObject, copy the arguments into a record,
 * and return. One Python thread per instance takes the records in batches (pev_next, called with the
 * GIL released) and builds the typed events.
 *
 * The library has no Python C-API dependency: one build serves every Python version, it is loaded
 * with cffi's ABI mode like the SDK, and it can be prebuilt per platform (mingw-w64 for Windows).
 * This file is also the binding's cdef for it, so it keeps to plain declarations.
 *
 * Records, in the buffer pev_next hands over (native byte order, no padding between fields):
 *   uint32 size      bytes of the whole record, header included, rounded up to a multiple of 8
 *   uint16 event     the event's index in portsip_abi.h, or PEV_MARKER
 *   uint16 flags     PEV_FLAG_BAD_INDEX: the SDK passed a callbackIndex that is not this event's
 *   then one field per signature letter (see pev_event_signature): l int64, i int32, b uint8,
 *   s int32 length (-1 for NULL), d int32 length (0 for NULL or a length <= 0); then the bytes of
 *   every s and d field, in order, without terminators. A marker carries one int64 token; a record
 *   with PEV_FLAG_BAD_INDEX carries only the int64 callbackIndex the SDK passed.
 */
#ifndef PORTSIP_EVENTS_H
#define PORTSIP_EVENTS_H

#define PEV_ABI_VERSION 1
#define PEV_MARKER 65535
#define PEV_FLAG_BAD_INDEX 1

typedef struct pev_queue pev_queue;
typedef void (*pev_fn)(void);

/* Everything a queue has counted since pev_open; events and bytes as the budget counts them. */
typedef struct pev_counters {
    long long received;        /* calls of the handlers routed to this queue */
    long long dropped;         /* refused because the budget was full: the SDK's thread never waits */
    long long pending_events;  /* accepted and not yet released by the consumer */
    long long pending_bytes;
    long long queued_events;   /* of those, not yet taken by pev_next */
    long long discarded;       /* thrown away by pev_discard (shutdown past its timeout) */
    long long frames_received; /* calls of the media stream handlers (not counted in received) */
    long long frames_dropped;  /* refused because frames already held half the budget */
} pev_counters;

int pev_abi_version(void);
/* Record kinds: 0 .. pev_frame_first()-1 are the SDK's events in portsip_abi.h's order, the rest
 * (up to pev_event_count()) the media stream callbacks (*Callback typedefs), whose handlers take
 * the routing id as their void* callbackObject and whose frames may use only half the budget. */
int pev_event_count(void);
int pev_frame_first(void);
/* One letter per argument after callbackObject (l long, i int, b bool, s string, d data + length). */
const char* pev_event_signature(int event);
/* The C handler for record kind `event` (0 <= event < pev_event_count()); cast it to its typedef. */
pev_fn pev_handler(int event);

/* A new queue and its routing id (*id, > 0, never reused in this process, fits a 32-bit long): pass the
 * id as callbackObject to every PSCallback_set*Handler, and the event's index as callbackIndex.
 * At most max_events events and max_bytes bytes are held between the SDK and the consumer (counted
 * from the handler's call until the consumer releases them); beyond that events are dropped and counted.
 * NULL when out of memory or when too many queues are open. */
pev_queue* pev_open(long long max_events, long long max_bytes, long* id);

/* The consumer's wait: up to timeout_ms (< 0: no limit) for records, then hand over the oldest batch
 * (*data, *size bytes, valid until the next pev_next or pev_free on this queue). Returns the number of
 * records, 0 on timeout, -1 once the queue is closed and empty. Call it from one thread only. */
int pev_next(pev_queue* q, int timeout_ms, const unsigned char** data, long long* size);

/* Memory shared with the consumer, so that its threads exchange counts with the handlers without a
 * function call. A cffi call releases the GIL, and taking it back from a busy thread can take a switch
 * interval (5 ms): a thread that returns budget after each batch would wait for the GIL each time.
 *   released_*[k]: what consumer thread k (0 and 1; each slot has one writer) is done with, cumulative;
 *                  the handlers read them to know what is still pending.
 *   dropped:       written by the handlers (under the queue's lock), read by the consumer.
 * Aligned 64-bit stores and loads are atomic on every platform the library is built for; a value read
 * a moment late only makes the budget look fuller than it is, never emptier. */
typedef struct pev_shared {
    long long released_events[2];
    long long released_bytes[2];
    long long dropped;
    long long dropped_frames;
} pev_shared;

pev_shared* pev_shared_counters(pev_queue* q);

/* Append a marker record carrying `token` behind everything queued so far (not counted in the budget).
 * Returns 0, or -1 if the queue is closed or memory ran out. */
int pev_mark(pev_queue* q, long long token);

/* Drop every record not yet taken, counting them as discarded and releasing their budget. Returns
 * how many events were discarded. */
long long pev_discard(pev_queue* q);

void pev_counters_get(pev_queue* q, pev_counters* out);


/* Stop routing to the queue: later handler calls for its id return at once (counted by
 * pev_late_calls), and pev_next returns -1 once the queue is empty. Waits until no handler is still
 * inside the queue, so after it returns the SDK's threads no longer touch it. Idempotent. */
void pev_close(pev_queue* q);

/* Free a closed queue, once its consumer has stopped calling pev_next. */
void pev_free(pev_queue* q);

/* Handler calls whose callbackObject named no open queue (late calls after close, stray ids). */
long long pev_late_calls(void);

#endif /* PORTSIP_EVENTS_H */
