/*
 * wire_presence.c - Presence and subscriptions on the wire:
 *   watching: presenceSubscribe and sendSubscription send SUBSCRIBE; the NOTIFYs become presenceOnline /
 *     presenceOffline (PIDF), waitingVoiceMessage / waitingFaxMessage (message-summary, also unsolicited)
 *     and dialogStateUpdated (dialog-info); a contact that stops answering is reported offline;
 *   being watched (P2P): a SUBSCRIBE is answered 202 with a "pending" NOTIFY and raises presenceRecvSubscribe;
 *     setPresenceStatus NOTIFYs a PIDF, reject and terminate end it (NOTIFY terminated);
 *   agent mode: setPresenceStatus(0, text) PUBLISHes, refreshed with its SIP-ETag and removed on close.
 */
#include "wire.h"

enum { WATCHER_EXPIRES_MIN = 1, WATCHER_EXPIRES_MAX = 86400 };

typedef struct wire_watch { /* a SUBSCRIBE of ours */
    struct le le;            /* in ua->watches */
    wire_ua* ua;
    long id;
    bool presence;           /* presenceSubscribe (else sendSubscription) */
    char* event;
    char* target;
    struct sipsub* sub;      /* NULL once the subscription ended */
    struct tmr alive;        /* presence: the contact must NOTIFY again before this runs out */
    struct tmr release;      /* frees `sub` after libre's close handler returned */
} wire_watch;

typedef struct wire_watcher { /* a SUBSCRIBE to us */
    struct le le;            /* in ua->watchers */
    wire_ua* ua;
    long id;
    struct sipnot* notifier;
    struct tmr release;
} wire_watcher;

/* The subscription time of our SUBSCRIBEs and PUBLISHes: setDefault*Time, else WIRE_DEFAULT_EXPIRES. */
static uint32_t expires_or_default(unsigned int secs) { return secs ? secs : WIRE_DEFAULT_EXPIRES; }

/* ======================================================================== events from NOTIFYs */

static void presence_event(const wire_ua* ua, const struct sip_msg* msg, const char* target, bool online, const char* note)
{
    char* display = msg ? wire_display(&msg->from.dname) : NULL;
    char* from = msg ? (char*)dup_bytes(msg->from.auri.p, msg->from.auri.l) : NULL;
    instance* in = wire_lock(ua->serial);
    if (in) {
        if (online)
            FIRE(in, STUB_EV_presenceOnline, 0, A_S(nz(display)), A_S(from ? from : target), A_S(nz(note)));
        else
            FIRE(in, STUB_EV_presenceOffline, 0, A_S(nz(display)), A_S(from ? from : target));
        unlock_registry();
    }
    free(display);
    free(from);
}

static void summary_event(const wire_ua* ua, const struct pl* body, const char* account)
{
    wire_summary s;
    if (wire_summary_read(body, &s))
        return;
    instance* in = wire_lock(ua->serial);
    if (in) {
        const char* who = s.account ? s.account : account;
        if (s.has_voice)
            FIRE(in, STUB_EV_waitingVoiceMessage, 0, A_S(who), A_I(s.voice[0]), A_I(s.voice[1]), A_I(s.voice[2]),
                 A_I(s.voice[3]));
        if (s.has_fax)
            FIRE(in, STUB_EV_waitingFaxMessage, 0, A_S(who), A_I(s.fax[0]), A_I(s.fax[1]), A_I(s.fax[2]), A_I(s.fax[3]));
        unlock_registry();
    }
    mem_deref(s.account);
}

static void dialog_event(const wire_ua* ua, const struct pl* body)
{
    wire_dialog_info d;
    if (wire_dialog_info_read(body, &d))
        return;
    instance* in = wire_lock(ua->serial);
    if (in) { /* the vendor names only the first four arguments: the stub leaves the others empty */
        FIRE(in, STUB_EV_dialogStateUpdated, 0, A_S(nz(d.entity)), A_S(nz(d.state)), A_S(nz(d.id)), A_S(nz(d.direction)),
             A_S(""), A_S(""), A_I(0));
        unlock_registry();
    }
    wire_dialog_info_free(&d);
}

/* ======================================================================== watching */

static void watch_free(wire_watch* w)
{
    tmr_cancel(&w->alive);
    tmr_cancel(&w->release);
    list_unlink(&w->le);
    mem_deref(w->sub); /* a live subscription is ended (libre sends SUBSCRIBE Expires: 0) */
    mem_deref(w->event);
    mem_deref(w->target);
    free(w);
}

static void release_sub(void* arg)
{
    wire_watch* w = arg;
    w->sub = mem_deref(w->sub);
}

/* The contact is gone (rejected, ended, or silent): offline, once. */
static void watch_ended(wire_watch* w)
{
    tmr_cancel(&w->alive);
    if (w->presence && w->sub)
        presence_event(w->ua, NULL, w->target, false, NULL);
    tmr_start(&w->release, 0, release_sub, w); /* libre may still be inside the subscription */
}

static void contact_silent(void* arg) { watch_ended(arg); }

static void watch_notify(struct sip* sip, const struct sip_msg* msg, void* arg)
{
    wire_watch* w = arg;
    struct pl body;
    bool whole = !wire_body(msg, &body);
    (void)sip_treply(NULL, sip, msg, whole ? 200 : 400, whole ? "OK" : "Content-Length Beyond The Message");
    if (!whole)
        return;
    struct sipevent_substate state = {.state = SIPEVENT_ACTIVE};
    const struct sip_hdr* hdr = sip_msg_hdr(msg, SIP_HDR_SUBSCRIPTION_STATE);
    if (hdr)
        (void)sipevent_substate_decode(&state, &hdr->val);
    if (w->presence && state.state != SIPEVENT_TERMINATED) {
        /* RFC 6665: a NOTIFY follows every SUBSCRIBE, refreshes included; none within the subscription's
         * time (and a grace) means the contact is gone. */
        uint32_t expires = pl_isset(&state.expires) ? pl_u32(&state.expires) : expires_or_default(0);
        tmr_start(&w->alive, (uint64_t)expires * 1000 + WIRE_WATCH_GRACE_MS, contact_silent, w);
    }
    if (!strcmp(w->event, "presence")) {
        if (body.l) {
            bool online = false;
            char* note = NULL;
            if (!wire_pidf_read(&body, &online, &note))
                presence_event(w->ua, msg, w->target, online, note);
            mem_deref(note);
        } else if (state.state == SIPEVENT_ACTIVE) { /* a presence server with nothing published */
            presence_event(w->ua, msg, w->target, false, NULL);
        }
    } else if (!strcmp(w->event, "message-summary") && body.l) {
        summary_event(w->ua, &body, w->target);
    } else if (!strcmp(w->event, "dialog") && body.l) {
        dialog_event(w->ua, &body);
    } /* other event packages: v17.1 has no callback for them */
}

static void watch_closed(int err, const struct sip_msg* msg, const struct sipevent_substate* substate, void* arg)
{
    (void)err, (void)msg, (void)substate;
    watch_ended(arg); /* rejected (4xx), no answer (408), or ended by the contact: offline */
}

static const char* accept_of(const char* event)
{
    if (!strcmp(event, "presence"))
        return "Accept: application/pidf+xml\r\n";
    if (!strcmp(event, "message-summary"))
        return "Accept: application/simple-message-summary\r\n";
    if (!strcmp(event, "dialog"))
        return "Accept: application/dialog-info+xml\r\n";
    return "";
}

typedef struct watch_op {
    wire_op op;
    long id;
    bool presence;
    char *to, *event, *subject;
    unsigned int secs;
} watch_op;

static void run_watch(wire_op* op)
{
    watch_op* o = (watch_op*)op;
    wire_ua* ua = wire_ua_find(op->serial);
    wire_watch* w = ua ? calloc(1, sizeof *w) : NULL;
    int err = ENOMEM;
    if (w) {
        w->ua = ua;
        w->id = o->id;
        w->presence = o->presence;
        tmr_init(&w->alive);
        tmr_init(&w->release);
        list_append(&ua->watches, &w->le, w);
        err = str_dup(&w->event, o->event) | str_dup(&w->target, o->to);
        const char* routev[1] = {ua->route};
        char* subject = NULL;
        if (!err && o->subject && *o->subject)
            err = re_sdprintf(&subject, "Subject: %s\r\n", o->subject);
        if (!err)
            err = ua->aor ? sipevent_subscribe(&w->sub, ua->evsock, o->to, ua->display && *ua->display ? ua->display : NULL, ua->aor, o->event, NULL,
                                               expires_or_default(o->secs), ua->user, routev, ua->route ? 1 : 0,
                                               wire_credentials, ua, true, NULL, watch_notify, watch_closed, w, "%s%s",
                                               accept_of(o->event), subject ? subject : "")
                          : ENOTCONN;
        mem_deref(subject);
    }
    if (err && w && w->presence) /* it never left (no user, no route): the contact is unknown, offline */
        presence_event(ua, NULL, o->to, false, NULL);
    free(o->to);
    free(o->event);
    free(o->subject);
    free(o);
}

static void push_watch(instance* in, long id, bool presence, const char* to, const char* event, const char* subject)
{
    watch_op* o = wire_op_new(in, sizeof *o, run_watch);
    if (!o)
        return;
    o->id = id;
    o->presence = presence;
    o->to = op_str(to);
    o->event = op_str(event);
    o->subject = op_str(subject);
    o->secs = in->subscription_secs;
    wire_op_push(o);
}

void net_watch(instance* in, long id, const char* to, const char* subject) { push_watch(in, id, true, to, "presence", subject); }

void net_subscribe(instance* in, long id, const char* to, const char* event) { push_watch(in, id, false, to, event, NULL); }

typedef struct id_op {
    wire_op op;
    long id;
    bool flag;
    char* text;
    unsigned int secs;
} id_op;

static void run_unwatch(wire_op* op)
{
    id_op* o = (id_op*)op;
    wire_ua* ua = wire_ua_find(op->serial);
    for (struct le* le = ua ? ua->watches.head : NULL; le; le = le->next) {
        wire_watch* w = le->data;
        if (w->id == o->id && w->presence == o->flag) {
            watch_free(w);
            break;
        }
    }
    free(o);
}

static void push_id_op(instance* in, wire_op_fn run, long id, bool flag, const char* text)
{
    id_op* o = wire_op_new(in, sizeof *o, run);
    if (!o)
        return;
    o->id = id;
    o->flag = flag;
    o->secs = in->publication_secs;
    if (text && !(o->text = op_str(text))) {
        free(o);
        return;
    }
    wire_op_push(o);
}

void net_unwatch(instance* in, const out_sub* o) { push_id_op(in, run_unwatch, o->id, true, NULL); }

void net_unsubscribe(instance* in, const out_sub* o) { push_id_op(in, run_unwatch, o->id, false, NULL); }

/* ======================================================================== being watched (P2P) */

static void watcher_free(wire_watcher* w)
{
    tmr_cancel(&w->release);
    list_unlink(&w->le);
    mem_deref(w->notifier); /* a live one is ended: libre sends NOTIFY terminated */
    free(w);
}

static wire_watcher* watcher_find(const wire_ua* ua, long id)
{
    for (struct le* le = ua ? ua->watchers.head : NULL; le; le = le->next) {
        wire_watcher* w = le->data;
        if (w->id == id)
            return w;
    }
    return NULL;
}

static void release_watcher(void* arg) { watcher_free(arg); }

/* The watcher unsubscribed, or stopped answering: its subscription leaves the instance. */
static void watcher_closed(int err, const struct sip_msg* msg, void* arg)
{
    (void)err, (void)msg;
    wire_watcher* w = arg;
    instance* in = wire_lock(w->ua->serial);
    if (in) {
        size_t i;
        if (find_in_sub(in, w->id, &i))
            vec_remove(&in->in_subs, i, sizeof(in_sub));
        unlock_registry();
    }
    tmr_start(&w->release, 0, release_watcher, w); /* libre may still be inside the notifier */
}

bool wire_presence_subscribe(const struct sip_msg* msg, void* arg)
{
    wire_ua* ua = arg;
    struct sipevent_event event;
    const struct sip_hdr* hdr = sip_msg_hdr(msg, SIP_HDR_EVENT);
    if (ua->closing || !ua->user) {
        (void)sip_treply(NULL, ua->sip, msg, 480, "Temporarily Unavailable");
        return true;
    }
    if (!hdr || sipevent_event_decode(&event, &hdr->val) || pl_strcasecmp(&event.event, "presence")) {
        (void)sip_treplyf(NULL, NULL, ua->sip, msg, false, 489, "Bad Event",
                          "Allow-Events: presence\r\nContent-Length: 0\r\n\r\n");
        return true;
    }
    wire_watcher* w = calloc(1, sizeof *w);
    if (!w) {
        (void)sip_treply(NULL, ua->sip, msg, 500, "Server Internal Error");
        return true;
    }
    w->ua = ua;
    tmr_init(&w->release);
    /* RFC 6665: accepted now (202), "pending" until the application decides */
    int err = sipevent_accept(&w->notifier, ua->evsock, msg, NULL, &event, 202, "Accepted", WATCHER_EXPIRES_MIN,
                              WIRE_DEFAULT_EXPIRES, WATCHER_EXPIRES_MAX, ua->user, "application/pidf+xml", wire_credentials,
                              ua, true, watcher_closed, w, NULL);
    if (err) {
        (void)sip_treply(NULL, ua->sip, msg, 500, "Server Internal Error");
        free(w);
        return true;
    }
    list_append(&ua->watchers, &w->le, w);
    (void)sipevent_notify(w->notifier, NULL, SIPEVENT_PENDING, 0, 0);
    const struct sip_hdr* subject = sip_msg_hdr(msg, SIP_HDR_SUBJECT);
    char* subject_text = subject ? (char*)dup_bytes(subject->val.p, subject->val.l) : NULL;
    char* display = wire_display(&msg->from.dname);
    char* from = (char*)dup_bytes(msg->from.auri.p, msg->from.auri.l);
    instance* in = wire_lock(ua->serial);
    in_sub* s = in ? vec_push(&in->in_subs, sizeof *s) : NULL;
    if (s) { /* manual: an incoming SUBSCRIBE raises presenceRecvSubscribe with the receiver's own id */
        w->id = new_subscribe_id(in);
        *s = (in_sub){w->id, 0, 0, SUB_PENDING};
        FIRE(in, STUB_EV_presenceRecvSubscribe, 0, A_L(w->id), A_S(nz(display)), A_S(nz(from)), A_S(nz(subject_text)));
    }
    if (in)
        unlock_registry();
    if (!s) /* no instance (or no memory) to decide: the watcher is turned away */
        watcher_free(w);
    free(subject_text);
    free(display);
    free(from);
    return true;
}

static void run_notify_watcher(wire_op* op)
{
    id_op* o = (id_op*)op;
    wire_ua* ua = wire_ua_find(op->serial);
    wire_watcher* w = watcher_find(ua, o->id);
    struct mbuf* body = NULL;
    if (w && w->notifier && !wire_pidf_write(&body, ua->aor, o->text))
        (void)sipevent_notify(w->notifier, body, SIPEVENT_ACTIVE, 0, 0);
    mem_deref(body);
    free(o->text);
    free(o);
}

void net_notify_watcher(instance* in, const in_sub* s, const char* text)
{
    push_id_op(in, run_notify_watcher, s->id, false, text);
}

static void run_drop_watcher(wire_op* op)
{
    id_op* o = (id_op*)op;
    wire_watcher* w = watcher_find(wire_ua_find(op->serial), o->id);
    if (w) {
        if (o->flag && w->notifier) /* rejected: the watcher sees it and reports us offline */
            (void)sipevent_notify(w->notifier, NULL, SIPEVENT_TERMINATED, SIPEVENT_REJECTED, 0);
        watcher_free(w);
    }
    free(o);
}

void net_drop_watcher(instance* in, const in_sub* s, bool rejected) { push_id_op(in, run_drop_watcher, s->id, rejected, NULL); }

/* ======================================================================== publishing (agent mode) */

static void publish(wire_ua* ua, bool with_body);

static void publish_refresh(void* arg) { publish(arg, false); }

static void publish_reply(int err, const struct sip_msg* msg, void* arg)
{
    wire_ua* ua = arg;
    wire_publication* pub = &ua->pub;
    if (!msg || ua->closing)
        return; /* v17.1 has no event for a publication: a failure only shows as watchers not seeing it */
    if (is_2xx(msg->scode)) {
        const struct sip_hdr* etag = sip_msg_hdr(msg, SIP_HDR_SIP_ETAG);
        pub->etag = mem_deref(pub->etag);
        if (etag)
            (void)pl_strdup(&pub->etag, &etag->val);
        uint32_t expires = pl_isset(&msg->expires) ? pl_u32(&msg->expires) : pub->expires;
        if (expires)
            tmr_start(&pub->tmr, (uint64_t)expires * 900, publish_refresh, ua); /* RFC 3903: refresh before expiry */
    } else if (msg->scode == 412 && pub->etag) { /* the server forgot our state: publish it whole */
        pub->etag = mem_deref(pub->etag);
        publish(ua, true);
    }
    (void)err;
}

/* PUBLISH our state (a refresh without body carries only the entity tag), or remove it (expires 0). */
static void publish_expiring(wire_ua* ua, bool with_body, uint32_t expires)
{
    wire_publication* pub = &ua->pub;
    struct mbuf* body = NULL;
    if (with_body && (!pub->text || wire_pidf_write(&body, ua->aor, pub->text)))
        return;
    char* headers = NULL;
    if (re_sdprintf(&headers, "Event: presence\r\nExpires: %u\r\n%s%s%s", expires, pub->etag ? "SIP-If-Match: " : "",
                    pub->etag ? pub->etag : "", pub->etag ? "\r\n" : "")) {
        mem_deref(body);
        return;
    }
    tmr_cancel(&pub->tmr);
    wire_request_cancel(&pub->req);
    wire_send s = {.method = "PUBLISH", .uri = ua->aor, .to = ua->aor, .headers = headers,
                   .content_type = "application/pidf+xml", .body = body ? mbuf_buf(body) : NULL,
                   .body_length = body ? mbuf_get_left(body) : 0, .goodbye = expires == 0};
    (void)wire_request(ua, &s, publish_reply, ua, expires ? &pub->req : NULL);
    mem_deref(headers);
    mem_deref(body);
}

static void publish(wire_ua* ua, bool with_body)
{
    if (ua->pub.etag || with_body)
        publish_expiring(ua, with_body || !ua->pub.etag, ua->pub.expires);
}

static void run_publish(wire_op* op)
{
    id_op* o = (id_op*)op;
    wire_ua* ua = wire_ua_find(op->serial);
    if (ua && ua->aor) {
        ua->pub.text = mem_deref(ua->pub.text);
        ua->pub.expires = expires_or_default(o->secs);
        if (!str_dup(&ua->pub.text, o->text))
            publish(ua, true);
    }
    free(o->text);
    free(o);
}

void net_publish(instance* in, const char* text) { push_id_op(in, run_publish, 0, false, text); }

/* ======================================================================== NOTIFY outside a dialog */

/* An unsolicited message-summary NOTIFY (RFC 3842 5.2): voicemail servers send them without a SUBSCRIBE. */
bool wire_presence_request(wire_ua* ua, const struct sip_msg* msg)
{
    struct sipevent_event event;
    const struct sip_hdr* hdr = sip_msg_hdr(msg, SIP_HDR_EVENT);
    if (!hdr || sipevent_event_decode(&event, &hdr->val) || pl_strcasecmp(&event.event, "message-summary")) {
        (void)sip_treply(NULL, ua->sip, msg, 481, "Subscription Does Not Exist");
        return true;
    }
    struct pl body;
    bool whole = !wire_body(msg, &body);
    (void)sip_treply(NULL, ua->sip, msg, whole ? 200 : 400, whole ? "OK" : "Content-Length Beyond The Message");
    if (!whole)
        return true;
    char* account = (char*)dup_bytes(msg->to.auri.p, msg->to.auri.l);
    if (account)
        summary_event(ua, &body, account);
    free(account);
    return true;
}

/* ======================================================================== closing */

void wire_presence_close(wire_ua* ua)
{
    while (ua->watches.head)
        watch_free(ua->watches.head->data);
    while (ua->watchers.head)
        watcher_free(ua->watchers.head->data);
    wire_publication* pub = &ua->pub;
    tmr_cancel(&pub->tmr);
    wire_request_cancel(&pub->req);
    if (pub->etag) /* RFC 3903: remove our state from the presence server */
        publish_expiring(ua, false, 0);
    pub->etag = mem_deref(pub->etag);
    pub->text = mem_deref(pub->text);
}
