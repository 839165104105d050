/*
 * stub_load.c - Load for tests and the benchmark: floods of one event from native threads that call
 * the installed handler directly, as the SDK's own threads would, timing every call (stub_flood).
 *
 * A flood owns everything its threads touch (the handler, copies of the arguments, the durations):
 * its threads never look at the instance, so they may outlive it, like SDK threads that outlive
 * unInitialize, which is what the binding must survive.
 */
#include "stub_internal.h"

#define TAG_SEQ_BITS 20 /* a tag in a long: thread * 2^20 + sequence, fits a 32-bit long for 2047 threads */
#define MAX_FLOOD_THREADS 256

typedef struct flood {
    handler_slot handler;
    job* template_args; /* the event and copies of its arguments (job_build) */
    long long count;
    double rate;
    int tag_field; /* index of the argument that carries the tag */
    char tag_kind; /* its signature letter: d, l or s */
    long long* durations; /* threads * count, or NULL when nobody waits */
    ps_mutex mu;
    int running; /* threads not finished yet; the last one frees a detached flood */
    bool detached;
} flood;

typedef struct flood_worker {
    flood* f;
    int index;
    ps_thread thread;
} flood_worker;

static long long now_ns(void) { return (long long)ps_now_ns(); }

static void flood_free(flood* f)
{
    job_free(f->template_args);
    free(f->durations);
    ps_mutex_destroy(&f->mu);
    free(f);
}

static void put_u32_le(unsigned char* p, unsigned v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}

static void flood_main(void* arg)
{
    flood_worker* w = arg;
    flood* f = w->f;
    const job* t = f->template_args;
    stub_arg a[STUB_MAX_ARGS];
    memcpy(a, t->a, sizeof a);
    /* The tagged field gets a private copy this thread rewrites for every call. */
    unsigned char* scratch = NULL;
    size_t base = 0;
    if (f->tag_kind == 'd') {
        base = t->owned[f->tag_field] && t->a[f->tag_field].n > 0 ? (size_t)t->a[f->tag_field].n : 0;
        scratch = calloc(1, base < 8 ? 8 : base);
        if (scratch && base)
            memcpy(scratch, t->a[f->tag_field].d, base);
        a[f->tag_field].d = scratch;
        a[f->tag_field].n = base < 8 ? 8 : (int)base;
    } else if (f->tag_kind == 's') {
        base = t->a[f->tag_field].s ? strlen(t->a[f->tag_field].s) : 0;
        scratch = malloc(base + 48);
        a[f->tag_field].s = (const char*)scratch;
    }
    long long start = now_ns();
    long long interval = f->rate > 0 ? (long long)(1e9 / f->rate) : 0;
    for (long long seq = 0; seq < f->count && (scratch || f->tag_kind == 'l'); seq++) {
        if (f->tag_kind == 'd') {
            put_u32_le(scratch, (unsigned)w->index);
            put_u32_le(scratch + 4, (unsigned)seq);
        } else if (f->tag_kind == 'l') {
            a[f->tag_field].l = ((long)w->index << TAG_SEQ_BITS) | (long)seq;
        } else {
            snprintf((char*)scratch, base + 48, "%d:%lld:%s", w->index, seq, nz(t->a[f->tag_field].s));
        }
        if (interval)
            sleep_until_ns((int64_t)(start + seq * interval));
        long long before = now_ns();
        if (f->tag_kind == 'd' && base >= 16) { /* the call's time, for latency measurements */
            put_u32_le(scratch + 8, (unsigned)((unsigned long long)before & 0xFFFFFFFFu));
            put_u32_le(scratch + 12, (unsigned)((unsigned long long)before >> 32));
        }
        if (f->handler.fn)
            stub_invoke(t->event, f->handler.fn, f->handler.idx, f->handler.obj, a);
        if (f->durations)
            f->durations[(long long)w->index * f->count + seq] = now_ns() - before;
    }
    free(scratch);
    ps_mutex_lock(&f->mu);
    bool last = --f->running == 0;
    bool detached = f->detached;
    ps_mutex_unlock(&f->mu);
    if (detached) {
        free(w);
        if (last)
            flood_free(f);
    }
}

/* Where the tag goes (see portsip_stub.h); false if it cannot carry `count` sequence numbers. */
static bool choose_tag(flood* f, const char* sig, long long count)
{
    const char order[] = {'d', 'l', 's'};
    for (size_t o = 0; o < sizeof order; o++)
        for (int k = 0; sig[k]; k++)
            if (sig[k] == order[o]) {
                f->tag_kind = order[o];
                f->tag_field = k;
                if (order[o] == 'd')
                    return count <= UINT32_MAX;
                if (order[o] == 'l')
                    return count <= (1LL << TAG_SEQ_BITS);
                return true;
            }
    return false;
}

static void keep_durations(void* sdk, flood* f, long long total)
{
    instance* in = lock_live(sdk);
    if (!in)
        return;
    free(in->flood_durations);
    in->flood_durations = f->durations; /* handed over */
    in->flood_count = total;
    f->durations = NULL;
    unlock_registry();
}

int stub_flood(void* sdk, int event, const stub_value* args, int nargs, long long count, int threads, double rate, int wait)
{
    stub_arg a[STUB_MAX_ARGS];
    long long sizes[STUB_MAX_ARGS] = {0};
    /* a rate so small that the interval between calls overflows a long long of nanoseconds is refused */
    if (count < 0 || threads < 1 || threads > MAX_FLOOD_THREADS || !(rate >= 0) || (rate > 0 && 1e9 / rate > 9e18))
        return ECoreArgumentIncorrect;
    int rc = args_from_values(event, args, nargs, a, sizes);
    if (rc)
        return rc;
    flood* f = calloc(1, sizeof *f);
    if (!f)
        return ECoreStackFailure;
    ps_mutex_init(&f->mu);
    f->count = count;
    f->rate = rate;
    long long total = count * threads;
    f->template_args = job_build(event, nargs, a, sizes);
    if (wait && total > 0)
        f->durations = calloc((size_t)total, sizeof *f->durations);
    if (!f->template_args || (wait && total > 0 && !f->durations)) {
        flood_free(f);
        return ECoreDataSizeTooLarge;
    }
    if (!choose_tag(f, stub_event_signatures[event], count)) {
        flood_free(f);
        return ECoreArgumentIncorrect;
    }
    instance* in = lock_live(sdk);
    if (!in) {
        flood_free(f);
        return ECoreNotInitialized;
    }
    f->handler = lookup_handler(in->disp, in->disp_serial, event); /* taken once, as SDK threads do */
    unlock_registry();

    f->detached = !wait;
    flood_worker* workers = calloc((size_t)threads, sizeof *workers);
    int started = 0;
    ps_mutex_lock(&f->mu); /* a detached thread that ends at once must not free f under us */
    for (; workers && started < threads; started++) {
        flood_worker* w = wait ? &workers[started] : malloc(sizeof *w);
        if (!w)
            break;
        w->f = f;
        w->index = started;
        f->running++;
        if (ps_thread_create(&w->thread, flood_main, w) != 0) {
            f->running--;
            if (!wait)
                free(w);
            break;
        }
        if (!wait)
            ps_thread_detach(&w->thread);
    }
    bool nobody_left = f->running == 0;
    ps_mutex_unlock(&f->mu);
    rc = started == threads ? 0 : ECoreStackFailure;
    if (wait) {
        for (int k = 0; k < started; k++)
            ps_thread_join(&workers[k].thread);
        if (rc == 0)
            keep_durations(sdk, f, total);
        flood_free(f);
    } else if (nobody_left) {
        flood_free(f);
    }
    free(workers);
    return rc;
}

long long stub_flood_durations(void* sdk, long long* out, long long max)
{
    instance* in = lock_live(sdk);
    if (!in)
        return 0;
    long long n = in->flood_count;
    if (out && max > 0 && in->flood_durations)
        memcpy(out, in->flood_durations, (size_t)(max < n ? max : n) * sizeof *out);
    unlock_registry();
    return n;
}
