/*
 * stub_ids.c - Every id the stub hands out, allocated in one place: message, session, subscribe, REFER,
 * SIP header and frame source ids. Each kind has its own counter in the instance; an id is positive,
 * the counter wraps to 1 past LONG_MAX, and an id still in use is skipped. Callers hold g_mu.
 */
#include "stub_internal.h"

/* The id after `id`: ids are positive longs, and a counter at LONG_MAX (2^31 - 1 where long is
 * 32-bit, as on Windows) wraps to 1 instead of overflowing (stub's choice: the manual only says ids
 * are positive). */
static long id_after(long id) { return id > 0 && id < LONG_MAX ? id + 1 : 1; }

typedef bool (*id_taken_fn)(const instance* in, long id);

/* The counter's next id, skipping ids `taken` says are still in use (after a wrap, or after
 * reserve_id moved the counter), then the counter moves past it. */
static long next_id(const instance* in, long* counter, id_taken_fn taken)
{
    long id = *counter > 0 ? *counter : 1;
    while (taken && taken(in, id))
        id = id_after(id);
    *counter = id_after(id);
    return id;
}

/* An id that came from outside (an injected event) is in use: later ids start after it. */
static void reserve_id(long* counter, long id)
{
    if (id >= *counter)
        *counter = id_after(id);
}

/* Message ids name one send's outcome only: nothing looks them up, so none is "in use". */
long new_message_id(instance* in) { return next_id(in, &in->next_message_id, NULL); }

static bool session_id_taken(const instance* in, long id) { return find_session(in, id) != NULL; }

long new_session_id(instance* in) { return next_id(in, &in->next_session_id, session_id_taken); }

/* One counter for presence subscriptions, watchers and generic subscriptions: a subscribe id is in
 * use while a subscription, either way, carries it. */
static bool subscribe_id_taken(const instance* in, long id)
{
    return find_in_sub(in, id, NULL) || find_out_sub(in, id, true, NULL) || find_out_sub(in, id, false, NULL);
}

long new_subscribe_id(instance* in) { return next_id(in, &in->next_subscribe_id, subscribe_id_taken); }

void reserve_subscribe_id(instance* in, long id) { reserve_id(&in->next_subscribe_id, id); }

static bool refer_id_taken(const instance* in, long id)
{
    const refer* r = in->calls.refers.items;
    for (size_t i = 0; i < in->calls.refers.n; i++)
        if (r[i].id == id)
            return true;
    return false;
}

long new_refer_id(instance* in) { return next_id(in, &in->calls.next_refer_id, refer_id_taken); }

/* One counter for added and modified headers, so an id names exactly one of them. */
static bool header_id_taken(const instance* in, long id)
{
    const sip_header* h = in->sip_headers.items;
    for (size_t i = 0; i < in->sip_headers.n; i++)
        if (h[i].id == id)
            return true;
    return false;
}

long new_header_id(instance* in) { return next_id(in, &in->next_header_id, header_id_taken); }

long new_frame_source_id(instance* in) { return next_id(in, &in->next_frame_source_id, frame_source_id_taken); }
