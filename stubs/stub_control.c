/*
 * stub_control.c - The journal of PortSIP_* calls and the test-control API of portsip_stub.h.
 */
#include "stub_internal.h"

static void journal_entry_free(journal_entry* e)
{
    for (int k = 0; k < e->nargs; k++)
        free((void*)e->args[k].bytes);
    free(e);
}

vec g_process_journal;

/* Append an immutable entry; strings and buffers are copied (NULL stays NULL). Caller holds g_mu. */
void journal_push(vec* journal, const char* function, int nargs, const stub_value* vals)
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
    journal_entry** slot = vec_push(journal, sizeof *slot);
    if (slot)
        *slot = e;
    else
        journal_entry_free(e);
}

void journal_add(instance* in, const char* function, int nargs, const stub_value* vals)
{
    journal_push(&in->journal, function, nargs, vals);
}

static void journal_free(vec* journal)
{
    journal_entry** entries = journal->items;
    for (size_t i = 0; i < journal->n; i++)
        journal_entry_free(entries[i]);
    vec_free(journal);
}

void journal_clear(instance* in) { journal_free(&in->journal); }

/* Take g_mu and return the journal of `sdk` (NULL: the process-wide journal); on NULL g_mu is
 * already released. */
static vec* lock_journal(void* sdk)
{
    if (!sdk) {
        ps_mutex_lock(&g_mu);
        return &g_process_journal;
    }
    instance* in = lock_live(sdk);
    return in ? &in->journal : NULL;
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
    case STUB_EV_inviteIncoming: { /* a call from outside: ringing until answered or rejected */
        session* s = find_session(in, a[0].l);
        if (!s && (s = open_session(in, a[0].l)) != NULL)
            s->call_state = CALL_INCOMING;
        break;
    }
    case STUB_EV_inviteConnected:
    case STUB_EV_inviteAnswered: {
        session* s = find_session(in, a[0].l);
        if (s)
            s->call_state = CALL_CONNECTED;
        else
            open_session(in, a[0].l);
        break;
    }
    case STUB_EV_inviteClosed: close_session(in, a[0].l); break;
    case STUB_EV_registerSuccess: in->registered = true; break;
    case STUB_EV_registerFailure: in->registered = false; break;
    default: break;
    }
}

/* Check test-supplied values against an event's signature and turn them into handler arguments;
 * sizes[k] gets the bytes available behind a string or data value. */
int args_from_values(int event, const stub_value* args, int nargs, stub_arg* a, long long* sizes)
{
    if (event < 0 || event >= STUB_EVENT_COUNT || nargs < 0 || (nargs > 0 && !args))
        return ECoreArgumentIncorrect;
    const char* sig = stub_event_signatures[event];
    if (nargs > STUB_MAX_ARGS || (size_t)nargs != strlen(sig))
        return ECoreArgumentIncorrect;
    memset(a, 0, sizeof(stub_arg) * STUB_MAX_ARGS);
    for (int k = 0; k < nargs; k++) {
        const stub_value* v = &args[k];
        if (v->kind != kind_of_letter(sig[k]))
            return ECoreArgumentIncorrect;
        if ((v->kind == STUB_STRING || v->kind == STUB_DATA) && v->bytes && v->size < 0)
            return ECoreArgumentIncorrect;
        /* A length argument beyond the bytes given would make the receiver read past them. */
        if (v->kind == STUB_DATA && v->bytes && v->integer > v->size)
            return ECoreArgumentIncorrect;
        switch (sig[k]) {
        case 'l': a[k].l = (long)v->integer; break;
        case 'i': a[k].i = (int)v->integer; break;
        case 'b': a[k].b = v->integer != 0; break;
        case 's': a[k].s = (const char*)v->bytes; break; /* NULL bytes: a NULL pointer */
        default:
            a[k].d = v->bytes;
            a[k].n = (int)v->integer; /* the length argument: at most size, possibly less or negative */
            break;
        }
        sizes[k] = v->bytes ? v->size : 0;
    }
    return 0;
}

static int emit_locked(instance* in, int event, const stub_value* args, int nargs, int delay_ms)
{
    stub_arg a[STUB_MAX_ARGS];
    long long sizes[STUB_MAX_ARGS] = {0};
    int rc = delay_ms < 0 ? ECoreArgumentIncorrect : args_from_values(event, args, nargs, a, sizes);
    if (rc)
        return rc;
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
    ps_mutex_unlock(&g_mu);
    return rc;
}

/* Store one pending outcome (a later call overwrites it). */
static int script_set(void* sdk, bool for_send, int sip_code, const char* reason, int delay_ms)
{
    instance* in = lock_live(sdk);
    if (!in)
        return ECoreNotInitialized;
    if (delay_ms < 0 || net_on_wire()) { /* on the wire, the peer decides the outcome */
        ps_mutex_unlock(&g_mu);
        return ECoreArgumentIncorrect;
    }
    script* s = for_send ? &in->send_script : &in->register_script;
    script_clear(s);
    *s = (script){true, sip_code, dup_str(nz(reason)), delay_ms};
    ps_mutex_unlock(&g_mu);
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

static long open_session_locked(instance* in, instance* peer, long* peer_session_id)
{
    session* mine = open_session(in, new_session_id(in));
    if (!mine)
        return ECoreStackFailure;
    long id = mine->id;
    if (peer) {
        session* theirs = open_session(peer, new_session_id(peer)); /* may reallocate `mine` if peer == in */
        if (!theirs) {
            in->sessions.n--;
            return ECoreStackFailure;
        }
        *theirs = (session){.id = theirs->id, .peer = in->serial, .peer_id = id};
        *find_session(in, id) = (session){.id = id, .peer = peer->serial, .peer_id = theirs->id};
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
    ps_mutex_unlock(&g_mu);
    return rc;
}

int stub_wire(void) { return net_on_wire() ? 1 : 0; }

int stub_local_sip_port(void* sdk)
{
    instance* in = lock_live(sdk);
    if (!in)
        return ECoreNotInitialized;
    int port = in->local_port;
    ps_mutex_unlock(&g_mu);
    return port;
}

/* Counts are never negative: a dead handle has 0 of everything. */
int stub_journal_count(void* sdk)
{
    const vec* journal = lock_journal(sdk);
    if (!journal)
        return 0;
    int n = (int)journal->n;
    ps_mutex_unlock(&g_mu);
    return n;
}

int stub_journal_entry(void* sdk, int index, const char** function, const stub_value** args, int* nargs)
{
    const vec* journal = lock_journal(sdk);
    if (!journal)
        return ECoreNotInitialized;
    int rc = ECoreArgumentIncorrect;
    if (index >= 0 && (size_t)index < journal->n) {
        const journal_entry* e = ((journal_entry**)journal->items)[index];
        if (function)
            *function = e->function;
        if (args)
            *args = e->args;
        if (nargs)
            *nargs = e->nargs;
        rc = 0;
    }
    ps_mutex_unlock(&g_mu);
    return rc;
}

void stub_journal_clear(void* sdk)
{
    vec* journal = lock_journal(sdk);
    if (!journal)
        return;
    journal_free(journal);
    ps_mutex_unlock(&g_mu);
}

/* Which counter to read: 0 fired, 1 non-zero returns, 2 pending. */
static int read_counter(void* sdk, int which)
{
    instance* in = lock_live(sdk);
    if (!in)
        return 0;
    ps_mutex_lock(&in->mu);
    int n = which == 0 ? in->fired : which == 1 ? in->nonzero : in->pending;
    ps_mutex_unlock(&in->mu);
    ps_mutex_unlock(&g_mu);
    return n;
}

int stub_callbacks_fired(void* sdk) { return read_counter(sdk, 0); }

int stub_callbacks_nonzero(void* sdk) { return read_counter(sdk, 1); }

int stub_pending_events(void* sdk) { return read_counter(sdk, 2); }

int stub_replaying(void* sdk, int on)
{
    instance* in = lock_live(sdk);
    if (!in)
        return ECoreNotInitialized;
    in->replaying = on != 0;
    ps_mutex_unlock(&g_mu);
    return 0;
}

/* ======================================================================== frame sources */

long stub_frame_source_start(void* sdk, const stub_frame* frame, int count, int interval_ms)
{
    instance* in = lock_live(sdk);
    if (!in)
        return ECoreNotInitialized;
    long rc = frame_source_start_locked(in, frame, count, interval_ms);
    ps_mutex_unlock(&g_mu);
    return rc;
}

/* Poll (g_mu is not held while sleeping, so the source and unInitialize proceed meanwhile). */
int stub_frame_source_wait(void* sdk, long source, int timeout_ms, int* delivered)
{
    if (timeout_ms < 0)
        return ECoreArgumentIncorrect;
    int64_t deadline = ps_now_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        instance* in = lock_live(sdk);
        if (!in)
            return ECoreNotInitialized;
        struct frame_source* finished = NULL;
        int rc = frame_source_poll_locked(in, source, delivered, &finished);
        ps_mutex_unlock(&g_mu);
        if (finished)
            frame_source_reap(finished); /* joins its thread: never under g_mu */
        int64_t now = ps_now_ns();
        if (rc != 0 || now >= deadline)
            return rc;
        sleep_until_ns(now + 1000000); /* poll every millisecond */
    }
}
