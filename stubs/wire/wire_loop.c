/*
 * wire_loop.c - The SIP thread and the operations that reach it, a UA's life (net_open / net_close), the
 * requests an instance receives outside a dialog, and the signaling callbacks. See wire.h for the threads.
 */
#include "wire.h"

#include <errno.h>
#include <unistd.h>

enum {
    WIRE_MAX_FDS = 16384,       /* libre indexes its poll table by fd: room for a busy test process */
    TRANSACTION_BUCKETS = 4096, /* of a UA's client and server transaction tables (a power of 2) */
};

typedef struct wire_wait { /* an API thread waiting for an operation to be done */
    bool done;
} wire_wait;

static ps_mutex wire_mu = PS_MUTEX_INIT; /* the operation list, starting the SIP thread, and waits */
static ps_cond wire_cv;                   /* started, and any wait done (broadcast) */
static wire_op *ops_head, *ops_tail;
static struct mqueue* wake;               /* written by the SIP thread before `started` */
static bool started, forked;
static int start_error;
static ps_thread sip_thread;
static struct list uas;                   /* wire_ua, SIP thread only */

/* ======================================================================== waiting */

static void wait_until_done(wire_wait* w)
{
    ps_mutex_lock(&wire_mu);
    while (!w->done)
        ps_cond_wait(&wire_cv, &wire_mu);
    ps_mutex_unlock(&wire_mu);
}

/* The waiter may free w as soon as wire_mu is released: nothing touches it after. */
static void wait_signal(wire_wait* w)
{
    ps_mutex_lock(&wire_mu);
    w->done = true;
    ps_cond_broadcast(&wire_cv);
    ps_mutex_unlock(&wire_mu);
}

/* ======================================================================== operations */

void* wire_op_new(const instance* in, size_t size, wire_op_fn run)
{
    wire_op* op = calloc(1, size);
    if (op) {
        op->run = run;
        op->serial = in->serial;
    }
    return op;
}

char* op_str(const char* s) { return s ? dup_str(s) : NULL; }

void wire_op_push(void* p)
{
    wire_op* op = p;
    if (!op)
        return;
    ps_mutex_lock(&wire_mu);
    bool was_empty = !ops_head;
    if (ops_tail)
        ops_tail->next = op;
    else
        ops_head = op;
    ops_tail = op;
    if (was_empty) /* one wake-up per batch: the SIP thread takes the whole list */
        (void)mqueue_push(wake, 0, NULL);
    ps_mutex_unlock(&wire_mu);
}

static void run_ops(int id, void* data, void* arg)
{
    (void)id, (void)data, (void)arg;
    ps_mutex_lock(&wire_mu);
    wire_op* op = ops_head;
    ops_head = ops_tail = NULL;
    ps_mutex_unlock(&wire_mu);
    while (op) {
        wire_op* next = op->next;
        op->run(op);
        op = next;
    }
}

/* ======================================================================== the SIP thread */

static void sip_thread_main(void* arg)
{
    (void)arg;
    int err = libre_init();
    if (!err)
        err = fd_setsize(WIRE_MAX_FDS);
    struct mqueue* mq = NULL;
    if (!err)
        err = mqueue_alloc(&mq, run_ops, NULL);
    ps_mutex_lock(&wire_mu);
    wake = mq;
    start_error = err ? err : 0;
    started = true;
    ps_cond_broadcast(&wire_cv);
    ps_mutex_unlock(&wire_mu);
    if (!err)
        (void)re_main(NULL); /* for the life of the process: no signal handlers of its own */
}

static void fork_child(void) { forked = true; }

/* Start the SIP thread once; 0, or the vendor code initialize reports. */
static int wire_start(void)
{
    ps_mutex_lock(&wire_mu);
    int rc = 0;
    if (forked) {
        rc = ECoreInitializeStackFailure; /* the SIP thread did not survive fork (wire.h) */
    } else if (!started) {
        if (ps_cond_init(&wire_cv) != 0 || ps_atfork(NULL, NULL, fork_child) != 0 ||
            ps_thread_create(&sip_thread, sip_thread_main, NULL) != 0) {
            rc = ECoreInitializeStackFailure;
        } else {
            ps_thread_detach(&sip_thread);
            while (!started)
                ps_cond_wait(&wire_cv, &wire_mu);
        }
    }
    if (!rc && start_error)
        rc = ECoreInitializeStackFailure;
    ps_mutex_unlock(&wire_mu);
    return rc;
}

/* ======================================================================== UAs */

wire_ua* wire_ua_find(unsigned long long serial)
{
    for (struct le* le = uas.head; le; le = le->next) {
        wire_ua* ua = le->data;
        if (ua->serial == serial)
            return ua;
    }
    return NULL;
}

instance* wire_lock(unsigned long long serial)
{
    ps_mutex_lock(&g_mu);
    instance* in = by_serial_locked(serial);
    if (!in)
        ps_mutex_unlock(&g_mu);
    return in;
}

const char* wire_tp_param(const wire_ua* ua) { return ua->tp == SIP_TRANSP_TCP ? ";transport=tcp" : ""; }

static void account_free(wire_ua* ua)
{
    char** fields[] = {&ua->user, &ua->display, &ua->domain, &ua->auth_name, &ua->password, &ua->aor, &ua->registrar,
                       &ua->route};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        *fields[i] = mem_deref(*fields[i]);
}

static void ua_destructor(void* arg)
{
    wire_ua* ua = arg;
    tmr_cancel(&ua->close_tmr);
    account_free(ua);
    mem_deref(ua->auth);
    mem_deref(ua->proxy_auth);
    mem_deref(ua->agent);
}

/* The credentials of digest authentication (sip_auth_h): the account's auth name (else its user) and password. */
int wire_credentials(char** user, char** password, const char* realm, void* arg)
{
    (void)realm;
    const wire_ua* ua = arg;
    if (!ua->user)
        return EAUTH;
    int err = str_dup(user, ua->auth_name && *ua->auth_name ? ua->auth_name : ua->user);
    err |= str_dup(password, ua->password ? ua->password : "");
    return err;
}

/* ---- signaling callbacks: libre shows us every message it sends or receives */

static void trace(bool tx, enum sip_transp tp, const struct sa* src, const struct sa* dst, const uint8_t* pkt, size_t len,
                  void* arg)
{
    (void)tp, (void)src, (void)dst;
    const wire_ua* ua = arg;
    instance* in = wire_lock(ua->serial);
    if (!in)
        return;
    if (tx ? in->signaling_sending : in->signaling_received) {
        /* Stub's choice: every message carries INVALID_SESSION_ID, a call's too (libre's trace does not say
         * which dialog a message is in). */
        char* text = (char*)dup_bytes(pkt, len);
        FIRE(in, tx ? STUB_EV_sendingSignaling : STUB_EV_receivedSignaling, 0, A_L(INVALID_SESSION_ID), A_S(nz(text)));
        free(text);
    }
    unlock_registry();
}

/* ---- requests outside a dialog (sipevent's listener, registered after this one, takes SUBSCRIBE and
 * in-dialog NOTIFY) */

static bool request(const struct sip_msg* msg, void* arg)
{
    wire_ua* ua = arg;
    if (ua->closing && !pl_isset(&msg->to.tag)) { /* in-dialog ones go on: the NOTIFYs that end our subscriptions */
        (void)sip_treply(NULL, ua->sip, msg, 503, "Service Unavailable");
        return true;
    }
    if (!pl_strcmp(&msg->met, "MESSAGE"))
        return pl_isset(&msg->to.tag) ? wire_call_message(ua, msg) : wire_message_request(ua, msg);
    /* Calls: sipsess's listener, registered after this one (wire_call.c); it answers 481 to what is in no
     * dialog of ours. */
    if (!pl_strcmp(&msg->met, "INVITE") || !pl_strcmp(&msg->met, "ACK") || !pl_strcmp(&msg->met, "BYE") ||
        !pl_strcmp(&msg->met, "INFO") || (!pl_strcmp(&msg->met, "REFER") && pl_isset(&msg->to.tag)))
        return false;
    if (!pl_strcmp(&msg->met, "SUBSCRIBE"))
        return false;
    if (!pl_strcmp(&msg->met, "NOTIFY"))
        return pl_isset(&msg->to.tag) ? false : wire_presence_request(ua, msg);
    if (!pl_strcmp(&msg->met, "OPTIONS")) {
        (void)sip_treplyf(NULL, NULL, ua->sip, msg, false, 200, "OK",
                          "Allow: INVITE, ACK, BYE, CANCEL, INFO, MESSAGE, SUBSCRIBE, NOTIFY, OPTIONS\r\n"
                          "Content-Length: 0\r\n\r\n");
        return true;
    }
    if (!pl_strcmp(&msg->met, "CANCEL")) {
        (void)sip_reply(ua->sip, msg, 481, "Call/Transaction Does Not Exist");
        return true;
    }
    /* Out-of-dialog REFER, PRACK, UPDATE, ...: not on the wire (docs/testing-real-server.md). */
    (void)sip_treply(NULL, ua->sip, msg, 501, "Not Implemented");
    return true;
}

/* ---- opening */

typedef struct open_op {
    wire_op op;
    wire_wait wait;
    int transport, port;
    char *ip, *agent;
    int result, bound_port;
} open_op;

static enum sip_transp transport_of(int transportType)
{
    switch (transportType) { /* enums.tsv: UDP 0, TLS 1, TCP 2, PERS_UDP 3, PERS_TCP 4 */
    case 0:
    case 3: return SIP_TRANSP_UDP;
    case 2:
    case 4: return SIP_TRANSP_TCP;
    default: return SIP_TRANSP_NONE; /* TLS: the wire stub has no certificates */
    }
}

static void exit_handler(void* arg);

static int ua_open(wire_ua* ua, const open_op* o)
{
    /* Stub's choice: no address, or the wildcard, is loopback (a test double); a real interface's address
     * is used as given. */
    const char* ip = o->ip && *o->ip && strcmp(o->ip, "0.0.0.0") != 0 ? o->ip : "127.0.0.1";
    if (!strcmp(ip, "::"))
        ip = "::1";
    struct sa laddr;
    if (sa_set_str(&laddr, ip, (uint16_t)o->port))
        return ECoreArgumentIncorrect;
    /* Transactions outlive their answer (a UDP server transaction by 32 s, RFC 3261 17.2.2): at a
     * few thousand MESSAGEs a second, small hash tables turn every lookup into a long list walk. */
    int err = sip_alloc(&ua->sip, NULL, TRANSACTION_BUCKETS, TRANSACTION_BUCKETS, 32, ua->agent, exit_handler, ua);
    if (err)
        return ECoreInitializeStackFailure;
    mem_ref(ua); /* the stack's: dropped when it is gone (exit_handler) */
    err = sip_transp_add(ua->sip, ua->tp, &laddr);
    if (!err)
        err = sip_transp_laddr(ua->sip, &ua->laddr, ua->tp, &laddr);
    if (err)
        return ua->tp == SIP_TRANSP_TCP ? ECoreAddTcpTransportFailure : ECoreAddUdpTransportFailure;
    sip_set_trace_handler(ua->sip, trace);
    err = sip_listen(&ua->lsnr, ua->sip, true, request, ua);
    if (!err)
        err = sipsess_listen(&ua->sess_sock, ua->sip, 32, wire_call_incoming, ua);
    if (!err)
        err = sipevent_listen(&ua->evsock, ua->sip, 32, 32, wire_presence_subscribe, ua);
    if (!err)
        err = sip_auth_alloc(&ua->auth, wire_credentials, ua, false);
    if (!err)
        err = sip_auth_alloc(&ua->proxy_auth, wire_credentials, ua, false);
    return err ? ECoreInitializeStackFailure : 0;
}

static void ua_release_stack(wire_ua* ua);

static void run_open(wire_op* op)
{
    open_op* o = (open_op*)op;
    wire_ua* ua = mem_zalloc(sizeof *ua, ua_destructor);
    int rc = ECoreInitializeStackFailure;
    if (ua) {
        ua->serial = op->serial;
        ua->tp = transport_of(o->transport);
        tmr_init(&ua->reg.tmr);
        tmr_init(&ua->pub.tmr);
        tmr_init(&ua->close_tmr);
        rc = ua->tp == SIP_TRANSP_NONE ? ECoreUnsupportTransport : str_dup(&ua->agent, o->agent) ? rc : ua_open(ua, o);
    }
    if (!rc) {
        list_append(&uas, &ua->le, ua);
        o->bound_port = sa_port(&ua->laddr);
    } else if (ua) {
        ua_release_stack(ua);
        mem_deref(ua);
    }
    o->result = rc;
    wait_signal(&o->wait);
}

int net_open(instance* in, int transport, const char* local_ip, int local_port, const char* user_agent)
{
    int rc = wire_start();
    if (rc)
        return rc;
    open_op* o = wire_op_new(in, sizeof *o, run_open);
    if (!o)
        return ECoreInitializeStackFailure;
    o->transport = transport;
    o->port = local_port;
    o->ip = op_str(local_ip);
    o->agent = op_str(user_agent && *user_agent ? user_agent : "portsip-stub (wire)");
    wire_op_push(o);
    wait_until_done(&o->wait);
    rc = o->result;
    if (!rc)
        in->local_port = o->bound_port;
    free(o->ip);
    free(o->agent);
    free(o);
    return rc;
}

/* ---- closing
 *
 * A UA closes in steps: run_close says goodbye (unREGISTER, unPUBLISH, unSUBSCRIBE, NOTIFY terminated: each
 * transaction holds the stack) and gives up our hold on the stack (sip_close); libre calls exit_handler
 * once nothing holds it, and stack_gone frees it (sockets closed), then the waiting unInitialize goes on.
 * If the goodbyes take longer than WIRE_CLOSE_GRACE_MS, close_timeout aborts them and lets unInitialize go
 * on; the stack is freed when libre's last timer lets go of it. */

typedef struct close_op {
    wire_op op;
    wire_wait wait;
} close_op;

static void ua_closed(wire_ua* ua)
{
    if (ua->closed) {
        wait_signal(ua->closed);
        ua->closed = NULL;
    }
}

static void stack_gone(void* arg)
{
    wire_ua* ua = arg;
    struct sip* sip = ua->sip;
    ua->sip = NULL;
    ua->evsock = mem_deref(ua->evsock);
    ua->sess_sock = mem_deref(ua->sess_sock); /* its calls are gone: each held the stack */
    ua->lsnr = mem_deref(ua->lsnr);
    mem_deref(sip); /* the reference libre's destructor took back before calling exit_handler: now it is freed */
    ua_closed(ua);
    mem_deref(ua); /* the stack's */
}

/* Called from inside libre's destructor of the stack, which must return before the stack is freed. */
static void exit_handler(void* arg)
{
    wire_ua* ua = arg;
    tmr_start(&ua->close_tmr, 0, stack_gone, ua);
}

static void close_timeout(void* arg)
{
    wire_ua* ua = arg;
    if (ua->sip)
        sip_close(ua->sip, true); /* every request of the stack ends now */
    ua_closed(ua);
}

/* Give up our hold on the stack (a UA that is closing, or one that failed to open). */
static void ua_release_stack(wire_ua* ua)
{
    if (ua->sip && !ua->released) {
        ua->released = true;
        sip_close(ua->sip, false); /* takes our reference: exit_handler once nothing else holds the stack */
    }
}

static void run_close(wire_op* op)
{
    close_op* c = (close_op*)op;
    wire_ua* ua = wire_ua_find(op->serial);
    if (!ua) {
        wait_signal(&c->wait);
        return;
    }
    list_unlink(&ua->le);
    ua->closing = true;
    ua->closed = &c->wait;
    /* Requests in flight end here (their outcome would go nowhere now), but not the goodbyes, which hold
     * the stack until answered: closing waits for them, or a registrar may never read an unREGISTER (over
     * TCP, the reset of our closing connection can overtake it) and keeps routing to a closed contact. */
    wire_requests_cancel(ua);
    wire_call_close(ua);
    wire_presence_close(ua);
    wire_register_close(ua);
    tmr_start(&ua->close_tmr, WIRE_CLOSE_GRACE_MS, close_timeout, ua);
    ua_release_stack(ua);
    mem_deref(ua); /* the list's */
}

void net_close(instance* in)
{
    close_op* c = wire_op_new(in, sizeof *c, run_close);
    if (!c)
        return; /* out of memory: the UA stays (its events find no instance) */
    wire_op_push(c);
    wait_until_done(&c->wait);
    free(c);
}

bool net_on_wire(void) { return true; }
