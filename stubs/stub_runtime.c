/*
 * stub_runtime.c - The per-instance job queue and worker thread, the callback dispatcher, and
 * PortSIP_initialize/unInitialize. See stub_internal.h for the threads and the lock order.
 */
#include "stub_internal.h"

ps_mutex g_disp_mu = PS_MUTEX_INIT;
static dispatcher* g_dispatchers;
static unsigned long long g_dispatcher_serial;

/* ======================================================================== job queue & worker */

void job_free(job* j)
{
    for (int k = 0; k < j->nargs; k++)
        wipe_free(j->owned[k], j->owned_size[k]);
    free(j);
}

/* Build a job for `event`, copying every string and buffer. sizes[k] (optional) is the number of
 * bytes available at a string/data argument; without it strings use strlen and data max(0, n).
 * NULL if the arguments do not fit the event's signature or memory runs out. */
job* job_build(int event, int nargs, const stub_arg* a, const long long* sizes)
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
void job_push(instance* t, job* j, int delay_ms)
{
    j->due_ns = ps_now_ns() + (int64_t)delay_ms * 1000000;
    ps_mutex_lock(&t->mu);
    if (t->stop) {
        ps_mutex_unlock(&t->mu);
        job_free(j);
        return;
    }
    if (!t->tail || j->due_ns >= t->tail->due_ns) { /* the common case: append */
        if (t->tail)
            t->tail->next = j;
        else
            t->head = j;
        t->tail = j;
    } else {
        job** link = &t->head;
        while (j->due_ns >= (*link)->due_ns)
            link = &(*link)->next;
        j->next = *link;
        *link = j;
    }
    t->pending++;
    ps_cond_signal(&t->cv);
    ps_mutex_unlock(&t->mu);
}

/* Whether a job of `event` whose first argument is the id `id` is queued on t (not yet firing).
 * Caller holds g_mu. */
bool job_queued(instance* t, int event, long id)
{
    ps_mutex_lock(&t->mu);
    const job* j = t->head;
    while (j && !(j->event == event && j->a[0].l == id))
        j = j->next;
    ps_mutex_unlock(&t->mu);
    return j != NULL;
}

/* Drop the queued jobs of `event` whose first argument is the id `id` (e.g. the end of a playback
 * that was stopped); one already firing is not affected. Caller holds g_mu. Returns how many. */
int job_cancel(instance* t, int event, long id)
{
    int n = 0;
    ps_mutex_lock(&t->mu);
    job* kept = NULL; /* the last job left in the queue */
    for (job** link = &t->head; *link;) {
        job* j = *link;
        if (j->event == event && j->a[0].l == id) {
            *link = j->next;
            job_free(j);
            t->pending--;
            n++;
        } else {
            kept = j;
            link = &j->next;
        }
    }
    t->tail = kept;
    ps_mutex_unlock(&t->mu);
    return n;
}

/* Fire `event` on instance t after delay_ms, from t's worker. Internal events are always well
 * formed; should memory run out, the event is dropped (like a lost datagram). An instance being
 * replayed into gets none of the events the stub simulates: the replay fires the trace's instead
 * (through stub_emit, which does not come here). Callers hold g_mu, which guards t->replaying. */
void fire(instance* t, int event, int delay_ms, int nargs, const stub_arg* a)
{
    if (t->replaying)
        return;
    job* j = job_build(event, nargs, a, NULL);
    if (j)
        job_push(t, j, delay_ms);
}

/* The handler installed for `event` in dispatcher d, copied under the lock; {NULL} if none or if
 * the dispatcher was released (a misuse the manual warns about: release only after unInitialize). */
handler_slot lookup_handler(const dispatcher* d, unsigned long long serial, int event)
{
    handler_slot h = {0};
    ps_mutex_lock(&g_disp_mu);
    for (const dispatcher* p = g_dispatchers; p; p = p->next)
        if (p == d && p->serial == serial) {
            h = p->slots[event];
            break;
        }
    ps_mutex_unlock(&g_disp_mu);
    return h;
}

static void instance_destroy(instance* in);

/* The worker: fire due jobs in order, each without holding any lock. */
static void worker_main(void* arg)
{
    instance* in = arg;
    ps_mutex_lock(&in->mu);
    while (!in->stop) {
        job* j = in->head;
        if (!j) {
            ps_cond_wait(&in->cv, &in->mu);
            continue;
        }
        if (ps_now_ns() < j->due_ns) {
            ps_cond_wait_until(&in->cv, &in->mu, j->due_ns);
            continue; /* due now, or woken by a new job or stop: look at the queue again */
        }
        in->head = j->next;
        if (!in->head)
            in->tail = NULL;
        ps_mutex_unlock(&in->mu);

        /* The handler is looked up at fire time: one installed after the enqueue still gets it. */
        handler_slot h = lookup_handler(in->disp, in->disp_serial, j->event);
        int rc = h.fn ? stub_invoke(j->event, h.fn, h.idx, h.obj, j->a) : 0;
        job_free(j);

        ps_mutex_lock(&in->mu);
        in->pending--; /* counted until its callback returned, so "0 pending" means "all done" */
        if (h.fn) {
            in->fired++;
            if (rc != 0)
                in->nonzero++;
        }
    }
    bool self_destroy = in->detached;
    ps_mutex_unlock(&in->mu);
    if (self_destroy)
        instance_destroy(in);
}

/* ======================================================================== dispatcher */

void* PSCallback_createCallbackDispatcher(void)
{
    dispatcher* d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    ps_mutex_lock(&g_disp_mu);
    d->serial = ++g_dispatcher_serial;
    d->next = g_dispatchers;
    g_dispatchers = d;
    ps_mutex_unlock(&g_disp_mu);
    return d;
}

/* Unknown pointers (NULL, already released) are ignored rather than freed twice. */
void PSCallback_releaseCallbackDispatcher(void* callbackDispatcher)
{
    dispatcher* found = NULL;
    ps_mutex_lock(&g_disp_mu);
    for (dispatcher** link = &g_dispatchers; *link; link = &(*link)->next)
        if (*link == callbackDispatcher) {
            found = *link;
            *link = found->next;
            break;
        }
    ps_mutex_unlock(&g_disp_mu);
    free(found);
}

/* Called by the generated setters. A NULL handler uninstalls; an unknown dispatcher is ignored. */
void stub_set_handler(void* dispatcher_ptr, int event, stub_fn fn, long callbackIndex, long callbackObject)
{
    if (event < 0 || event >= STUB_EVENT_COUNT)
        return;
    ps_mutex_lock(&g_disp_mu);
    for (dispatcher* p = g_dispatchers; p; p = p->next)
        if (p == dispatcher_ptr) {
            p->slots[event] = (handler_slot){fn, callbackIndex, callbackObject};
            break;
        }
    ps_mutex_unlock(&g_disp_mu);
}

/* ======================================================================== lifecycle */

void script_clear(script* s)
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
    media_free(in);
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
    free(in->flood_durations);
    free_call_settings(in);
    free(in->instance_id);
    free(in->user);
    free(in->display);
    free(in->domain);
    free(in->uri);
    ps_cond_destroy(&in->cv);
    ps_mutex_destroy(&in->mu);
    free(in);
}

static instance* instance_new(const dispatcher* d, unsigned long long disp_serial)
{
    instance* in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    if (ps_cond_init(&in->cv) != 0) {
        free(in);
        return NULL;
    }
    if (ps_mutex_init(&in->mu) != 0) {
        ps_cond_destroy(&in->cv);
        free(in);
        return NULL;
    }
    in->disp = d;
    in->disp_serial = disp_serial;
    media_init(in);
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
        ps_mutex_lock(&g_disp_mu);
        for (const dispatcher* p = g_dispatchers; p; p = p->next)
            if (p == callbackDispatcher)
                disp_serial = p->serial;
        ps_mutex_unlock(&g_disp_mu);
        if (!disp_serial) /* stub's choice: a pointer that is not a live dispatcher is refused */
            rc = ECoreArgumentIncorrect;
    }
    instance* in = NULL;
    if (!rc && !(in = instance_new(callbackDispatcher, disp_serial)))
        rc = ECoreInitializeStackFailure;
    if (!rc) { /* its serial first: the network knows an instance by it */
        ps_mutex_lock(&g_mu);
        in->serial = ++g_instance_serial;
        ps_mutex_unlock(&g_mu);
        rc = net_open(in, transportType, localIp, localSIPPort, sipAgentString);
        if (rc)
            instance_destroy(in);
    }
    if (!rc && ps_thread_create(&in->thread, worker_main, in) != 0) {
        net_close(in);
        instance_destroy(in);
        rc = ECoreInitializeStackFailure;
    }
    if (rc) {
        if (errorCode)
            *errorCode = rc;
        return NULL;
    }

    ps_mutex_lock(&g_mu);
    instance** slot = vec_push(&g_instances, sizeof *slot);
    if (slot) {
        in->calls.max_sessions = maxCallSessions;
        *slot = in;
        /* The dispatcher pointer (not a value a test can compare) and errorCode are not recorded. */
        RECORD(in, J_INT("transportType", transportType), J_STR("localIp", localIp), J_INT("localSIPPort", localSIPPort),
               J_INT("logLevel", logLevel), J_STR("logFilePath", logFilePath), J_INT("maxCallSessions", maxCallSessions),
               J_STR("sipAgentString", sipAgentString), J_INT("audioDeviceLayer", audioDeviceLayer),
               J_INT("videoDeviceLayer", videoDeviceLayer), J_STR("TLSCertificatesRootPath", TLSCertificatesRootPath),
               J_STR("TLSCipherList", TLSCipherList), J_BOOL("verifyTLSCertificate", verifyTLSCertificate));
    }
    ps_mutex_unlock(&g_mu);
    if (!slot) { /* out of memory: undo */
        ps_mutex_lock(&in->mu);
        in->stop = true;
        ps_cond_signal(&in->cv);
        ps_mutex_unlock(&in->mu);
        ps_thread_join(&in->thread);
        net_close(in);
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
    ps_mutex_lock(&g_mu);
    instance* in = live_locked(sdk);
    if (in) { /* out of the registry: no call or message can reach it any more */
        instance** all = g_instances.items;
        for (size_t i = 0; i < g_instances.n; i++)
            if (all[i] == in) {
                vec_remove(&g_instances, i, sizeof *all);
                break;
            }
        end_all_calls(in); /* its peers see the calls end */
        frame_sources_stop_locked(in);
    }
    ps_mutex_unlock(&g_mu); /* never held while joining: the worker may still be firing */
    if (!in)
        return;
    frame_sources_join(in); /* no media callback runs after unInitialize returns */
    net_close(in);          /* unregisters, ends its subscriptions, closes its sockets (on the wire) */
    bool on_own_worker = ps_thread_equal(ps_thread_self(), ps_thread_id_of(&in->thread));
    ps_mutex_lock(&in->mu);
    in->stop = true;
    in->detached = on_own_worker;
    ps_cond_broadcast(&in->cv);
    ps_mutex_unlock(&in->mu);
    if (on_own_worker) { /* called from a callback: the worker frees the instance when it returns */
        ps_thread_detach(&in->thread);
        return;
    }
    ps_thread_join(&in->thread);
    instance_destroy(in);
}

/* ======================================================================== fork */

/* fork() copies only the thread that calls it. A lock another thread of the parent held at that moment
 * would stay locked in the child for ever: its next stub call would hang. So the forking thread takes
 * every stub lock first (in the documented order) and releases them on both sides. The parent's
 * instances are not carried into the child: their workers do not exist there, so they leave the
 * registry (their memory is the parent's; a handle of theirs is not initialized in the child). */
static void fork_prepare(void)
{
    ps_mutex_lock(&g_mu);
    instance** all = g_instances.items;
    for (size_t i = 0; i < g_instances.n; i++)
        ps_mutex_lock(&all[i]->mu);
    ps_mutex_lock(&g_disp_mu);
}

static void fork_release(void)
{
    ps_mutex_unlock(&g_disp_mu);
    instance** all = g_instances.items;
    for (size_t i = g_instances.n; i-- > 0;)
        ps_mutex_unlock(&all[i]->mu);
}

static void fork_parent(void)
{
    fork_release();
    ps_mutex_unlock(&g_mu);
}

static void fork_child(void)
{
    fork_release();
    g_instances.n = 0;
    ps_mutex_unlock(&g_mu);
}

#if defined(__GNUC__)
/* When the library is loaded (it is never unloaded: the handlers stay valid). On Windows, which has no
 * fork, ps_atfork does nothing. */
__attribute__((constructor)) static void install_fork_handlers(void) { ps_atfork(fork_prepare, fork_parent, fork_child); }
#endif

int PortSIP_setLicenseKey(void* sdk, const char* key)
{
    STUB_ENTER(in, sdk, J_STR("key", key));
    STUB_LEAVE(key ? 0 : ECoreArgumentNull); /* the stub accepts any key, as a trial would */
}

int PortSIP_getVersion(void* sdk, int* majorVersion, int* minorVersion)
{
    STUB_ENTER0(in, sdk); /* out-pointers only: nothing to record */
    if (!majorVersion || !minorVersion)
        STUB_LEAVE(ECoreArgumentNull);
    *majorVersion = SDK_MAJOR_VERSION;
    *minorVersion = SDK_MINOR_VERSION;
    STUB_LEAVE(0);
}

