/*
 * portsip_events.h - the native event queue: C handlers for the SDK's 40 callbacks that copy each
 * event into a bounded queue and return at once, without ever entering Python.
 *
 * Why it exists: a handler made with cffi's ffi.callback must take the GIL on the SDK's thread, so
 * that thread waits whenever Python is busy (up to a switch interval, 5 ms, and longer under load),
 * and an SDK thread that calls after the interpreter began finalizing can crash the process. These
 * handlers are plain C: they look up the queue by callbackObject, copy the arguments into a record,
 * and return. The binding's delivery threads take the records in batches (pev_next, called with the
 * GIL released) and build the typed events.
 *
 * The library has no Python C-API dependency: one build serves every Python version, it is loaded
 * with cffi's ABI mode like the SDK, and it is prebuilt per platform in the wheels.
 * This file is also the binding's cdef for it, so it keeps to plain declarations and integer defines.
 *
 * The budget: a queue holds at most max_events events and max_bytes bytes that the consumer has not
 * taken yet. A record leaves the budget when pev_next hands its batch over; what the consumer does
 * next is bounded by the consumer. A full queue drops the new event on the SDK's thread (which never
 * waits) and counts it. Two exceptions: media frames may fill only half of the budget, so frames the
 * consumer cannot keep up with never crowd out events; and an event bigger than the whole budget is
 * admitted when nothing else is queued, so no size of event is refused for ever.
 *
 * Records, in the buffer pev_next hands over (native byte order, no padding between fields):
 *   uint32 size      bytes of the whole record, header included, rounded up to a multiple of 8
 *   uint16 event     the event's index in portsip_abi.h, or PEV_MARKER
 *   uint16 flags     PEV_FLAG_BAD_INDEX: the SDK passed a callbackIndex that is not this event's
 *   then one field per signature letter (see pev_event_signature): l int64, i int32, b uint8,
 *   s and d int32: where the field's bytes end, counted from the first byte after the fixed fields
 *   (each starts where the previous s or d ended; a NULL string, NULL data or a length <= 0 has
 *   none: the binding gives "" and b""); then the bytes of every s and d field, in order, without
 *   terminators. An event whose strings and data add up to 2 GiB or more cannot be described and
 *   is counted as dropped. A marker carries one int64 token; a record
 *   with PEV_FLAG_BAD_INDEX carries only the int64 callbackIndex the SDK passed. The size of a
 *   record is also what it counts for in every budget of the binding: one measure of an event.
 */
#ifndef PORTSIP_EVENTS_H
#define PORTSIP_EVENTS_H

#define PEV_ABI_VERSION 2
#define PEV_MARKER 65535
#define PEV_FLAG_BAD_INDEX 1
#define PEV_HEADER_SIZE 8

typedef struct pev_queue pev_queue;
typedef void (*pev_fn)(void);

/* Everything a queue has counted since pev_open. */
typedef struct pev_counters {
    long long received;        /* calls of the event handlers routed to this queue */
    long long dropped;         /* events refused because the budget was full: the SDK's thread never waits */
    long long queued_events;   /* events in the queue, not yet taken by pev_next */
    long long queued_bytes;    /* their bytes, frames' included */
    long long discarded;       /* events thrown away by pev_discard (shutdown past its timeout) */
    long long frames_received; /* calls of the media stream handlers (not counted in received) */
    long long frames_dropped;  /* frames refused: frames already held half the budget */
    long long frames_queued;   /* frames in the queue */
} pev_counters;

/* What pev_next hands over: the oldest batch of records and the drop counts at that moment, so that
 * the consumer reports drops without another call (a call releases the GIL, and taking it back from
 * a busy thread can take a switch interval). */
typedef struct pev_batch {
    const unsigned char* data; /* `size` bytes of `records` records, valid until the next pev_next or pev_free */
    long long size;
    int records;               /* events, frames and markers */
    long long dropped;         /* pev_counters.dropped and .frames_dropped when the batch was taken */
    long long frames_dropped;
} pev_batch;

int pev_abi_version(void);
/* Record kinds: 0 .. pev_frame_first()-1 are the SDK's events in portsip_abi.h's order, the rest
 * (up to pev_event_count()) the media stream callbacks (*Callback typedefs), whose handlers take
 * the routing id as their void* callbackObject. */
int pev_event_count(void);
int pev_frame_first(void);
/* One letter per argument after callbackObject (l long, i int, b bool, s string, d data + length). */
const char* pev_event_signature(int event);
/* The C handler for record kind `event` (0 <= event < pev_event_count()); cast it to its typedef. */
pev_fn pev_handler(int event);

/* A new queue and its routing id (*id, > 0, never reused in this process, fits a 32-bit long): pass the
 * id as callbackObject to every PSCallback_set*Handler, and the event's index as callbackIndex.
 * NULL when out of memory or when too many queues are open. */
pev_queue* pev_open(long long max_events, long long max_bytes, long* id);

/* The consumer's wait: up to timeout_ms (< 0: no limit) for records, then hand over the oldest batch
 * in *batch. Returns the number of records, 0 on timeout, -1 once the queue is closed and empty.
 * Call it from one thread at a time. */
int pev_next(pev_queue* q, int timeout_ms, pev_batch* batch);

/* Append a marker record carrying `token` behind everything queued so far (outside the budget).
 * Returns 0, or -1 if the queue is closed or memory ran out. */
int pev_mark(pev_queue* q, long long token);

/* Drop every record not yet taken, counting its events as discarded. Returns how many events. */
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
