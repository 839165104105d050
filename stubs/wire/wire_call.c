/*
 * wire_call.c - Calls as SIP dialogs (libre's sipsess), signaling only: the INVITE carries an SDP offer of
 * an audio stream (PCMU, PCMA, telephone-event) on port 9 (discard), and no RTP is ever sent or received
 * (the wire stub has no media). Hold is a re-INVITE with a=sendonly, DTMF an INFO (application/dtmf-relay),
 * sendMessage a MESSAGE inside the dialog.
 *
 * A call is a wire_call in its UA's list, on the SIP thread, found by the instance's session id. The API
 * side keeps the session (stub_calls.c: its state, hangUp closes it at once); what the network says comes
 * back here as sipsess callbacks, which update the session under g_mu and FIRE, as stub_calls.c does in
 * process. libre is never called with g_mu held: every message it sends passes through the signaling trace
 * (wire_loop.c), which takes g_mu.
 */
#include "wire.h"

#include <ctype.h>

enum {
    WIRE_RTP_PORT = 9,  /* what our SDP names: the discard port, where nothing listens (no RTP) */
    DTMF_INFO = 1,      /* enums.tsv: DTMF_METHOD */
    DTMF_SAMPLES_PER_MS = 8, /* manual: a tone's duration is in samples (160 recommended): 8 kHz audio */
};

static const char* const ALLOW = "Allow: INVITE, ACK, BYE, CANCEL, INFO, MESSAGE, SUBSCRIBE, NOTIFY, OPTIONS\r\n";

struct wire_call {
    struct le le;                 /* in ua->calls */
    wire_ua* ua;                  /* not held: the UA frees its calls before it goes (wire_call_close) */
    long id;                      /* the instance's session */
    struct sipsess* sess;
    struct sdp_session* sdp;
    struct sdp_media* audio;
    bool outgoing;
    bool answered;                /* incoming: our 200 went out */
    bool got_offer;               /* incoming: the INVITE carried SDP (our 200 answers it, else offers) */
    bool remote_held;             /* the peer's last offer said sendonly or inactive */
};

static void call_destructor(void* arg)
{
    wire_call* c = arg;
    list_unlink(&c->le);
    mem_deref(c->sess); /* a live dialog ends: BYE, CANCEL, or 486 for one still ringing here */
    mem_deref(c->sdp);
}

static wire_call* call_find(const wire_ua* ua, long id)
{
    for (struct le* le = ua->calls.head; le; le = le->next) {
        wire_call* c = le->data;
        if (c->id == id)
            return c;
    }
    return NULL;
}

/* Forget call c (its session is gone or ends at the API side). */
static void call_free(wire_call* c) { mem_deref(c); }

/* ======================================================================== SDP */

static int call_new(wire_call** cp, wire_ua* ua, long id, bool outgoing)
{
    wire_call* c = mem_zalloc(sizeof *c, call_destructor);
    if (!c)
        return ENOMEM;
    c->ua = ua;
    c->id = id;
    c->outgoing = outgoing;
    int err = sdp_session_alloc(&c->sdp, &ua->laddr);
    if (!err)
        err = sdp_media_add(&c->audio, c->sdp, "audio", WIRE_RTP_PORT, "RTP/AVP");
    if (!err)
        err = sdp_format_add(NULL, c->audio, false, "0", "PCMU", 8000, 1, NULL, NULL, NULL, false, NULL);
    if (!err)
        err = sdp_format_add(NULL, c->audio, false, "8", "PCMA", 8000, 1, NULL, NULL, NULL, false, NULL);
    if (!err)
        err = sdp_format_add(NULL, c->audio, false, "101", "telephone-event", 8000, 1, NULL, NULL, NULL, false, "0-16");
    if (err) {
        mem_deref(c);
        return err;
    }
    list_append(&ua->calls, &c->le, c);
    *cp = c;
    return 0;
}

/* Read the SDP of msg (an offer or an answer) into the call's session; ENOENT when msg has none. The
 * message's buffer is left where it was: libre reads its position afterwards (an INVITE without SDP). */
static int sdp_read(wire_call* c, const struct sip_msg* msg, bool offer)
{
    struct pl body;
    if (wire_body(msg, &body))
        return EBADMSG;
    if (!body.l)
        return ENOENT;
    struct mbuf* mb = msg->mb;
    size_t pos = mb->pos, end = mb->end;
    mb->end = mb->pos + body.l; /* a shorter Content-Length cuts the body */
    int err = sdp_decode(c->sdp, mb, offer);
    mb->pos = pos;
    mb->end = end;
    return err;
}

/* The audio codecs both sides have ("PCMU#PCMA", "#" as in the manual) and whether there is audio. */
static bool audio_of(const wire_call* c, char* codecs, size_t size)
{
    static const char* const names[] = {"PCMU", "PCMA"};
    codecs[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (sdp_media_rformat(c->audio, names[i]))
            (void)re_snprintf(codecs + strlen(codecs), size - strlen(codecs), "%s%s", codecs[0] ? "#" : "", names[i]);
    return codecs[0] != '\0';
}

/* ======================================================================== events */

/* Call c's instance with g_mu taken and its session (NULL: the instance or session is gone, nothing taken). */
static instance* call_lock(const wire_call* c, session** s)
{
    instance* in = wire_lock(c->ua->serial);
    *s = in ? find_session(in, c->id) : NULL;
    if (in && !*s) {
        unlock_registry();
        return NULL;
    }
    return in;
}

/* The session of c ended (a final failure, a BYE, a CANCEL, no ACK): inviteFailure for our call not
 * answered yet, else inviteClosed, as in process; the session and the call are gone. */
static void closed(int err, const struct sip_msg* msg, void* arg)
{
    wire_call* c = arg;
    session* s;
    instance* in = call_lock(c, &s);
    if (in) {
        if (s->call_state == CALL_OUTGOING) {
            char reason[128];
            /* A 2xx here is an answer we could not take (its SDP): the call failed as Not Acceptable. */
            int code = msg && msg->scode >= 300 ? wire_status(0, msg, reason, sizeof reason)
                       : msg                    ? (str_ncpy(reason, reason_phrase(488), sizeof reason), 488)
                                                : wire_status(err, NULL, reason, sizeof reason);
            char* text = msg ? wire_msg_text(msg) : NULL;
            FIRE(in, STUB_EV_inviteFailure, 0, A_L(c->id), A_S(reason), A_I(code), A_S(nz(text)));
            free(text);
        } else {
            FIRE(in, STUB_EV_inviteClosed, 0, A_L(c->id));
        }
        close_session(in, c->id);
        unlock_registry();
    }
    call_free(c); /* libre has ended the session: freeing it from its own handler is what baresip does too */
}

/* 180 and 183 of our call (other provisional responses have no event). */
static void progress(const struct sip_msg* msg, void* arg)
{
    wire_call* c = arg;
    if (msg->scode != 180 && msg->scode != 183)
        return;
    bool early = msg->scode == 183 && !sdp_read(c, msg, false); /* early media: the answer comes first here */
    char codecs[64];
    bool audio = early && audio_of(c, codecs, sizeof codecs);
    if (!audio)
        codecs[0] = '\0';
    char reason[128];
    int code = wire_status(0, msg, reason, sizeof reason);
    char* text = wire_msg_text(msg);
    session* s;
    instance* in = call_lock(c, &s);
    if (in) {
        if (code == 180)
            FIRE(in, STUB_EV_inviteRinging, 0, A_L(c->id), A_S(reason), A_I(code), A_S(nz(text)));
        else
            FIRE(in, STUB_EV_inviteSessionProgress, 0, A_L(c->id), A_S(codecs), A_S(""), A_B(early), A_B(audio), A_B(false),
                 A_S(nz(text)));
        unlock_registry();
    }
    free(text);
}

/* An answer to our offer (in a 2xx, or in the ACK of our 200 to an INVITE without SDP). Stub's choice: an
 * answer we cannot read does not end the call (no media flows anyway); it reports no audio. */
static int answered(const struct sip_msg* msg, void* arg)
{
    wire_call* c = arg;
    (void)sdp_read(c, msg, false);
    return 0;
}

/* An offer: a re-INVITE (hold and unhold reach us here), or a 2xx to our INVITE without SDP. */
static int offered(struct mbuf** descp, const struct sip_msg* msg, void* arg)
{
    wire_call* c = arg;
    int err = sdp_read(c, msg, true);
    if (err == ENOENT) /* an offer-less re-INVITE: we offer, the ACK answers */
        return sdp_encode(descp, c->sdp, true);
    if (err)
        return err; /* libre answers 488 */
    err = sdp_encode(descp, c->sdp, false);
    if (err || !msg->req) /* a 2xx's offer starts the media: no hold to report */
        return err;
    /* libre states the peer's direction as ours: its a=sendonly is SDP_RECVONLY here. */
    enum sdp_dir dir = sdp_media_rdir(c->audio);
    bool held = dir == SDP_RECVONLY || dir == SDP_INACTIVE;
    if (held == c->remote_held)
        return 0;
    c->remote_held = held;
    char codecs[64];
    bool audio = audio_of(c, codecs, sizeof codecs);
    session* s;
    instance* in = call_lock(c, &s);
    if (in) {
        if (held)
            FIRE(in, STUB_EV_remoteHold, 0, A_L(c->id));
        else
            FIRE(in, STUB_EV_remoteUnHold, 0, A_L(c->id), A_S(codecs), A_S(""), A_B(audio), A_B(false));
        unlock_registry();
    }
    return 0;
}

/* The dialog is up: our call got its 2xx (and libre sent the ACK), or the ACK of our 200 arrived.
 * Manual, as in process: the caller gets inviteAnswered then inviteConnected, the callee inviteConnected. */
static void established(const struct sip_msg* msg, void* arg)
{
    wire_call* c = arg;
    char codecs[64];
    bool audio = audio_of(c, codecs, sizeof codecs);
    char* text = c->outgoing ? wire_msg_text(msg) : NULL;
    char* caller_name = c->outgoing ? dup_str(nz(c->ua->display)) : NULL; /* the account as it called */
    char* caller = c->outgoing ? dup_str(nz(c->ua->aor)) : NULL;
    char* callee_name = c->outgoing ? wire_display(&msg->to.dname) : NULL;
    char* callee = c->outgoing ? (char*)dup_bytes(msg->to.auri.p, msg->to.auri.l) : NULL;
    session* s;
    instance* in = call_lock(c, &s);
    if (in) {
        s->call_state = CALL_CONNECTED;
        if (c->outgoing)
            FIRE(in, STUB_EV_inviteAnswered, 0, A_L(c->id), A_S(nz(caller_name)), A_S(nz(caller)), A_S(nz(callee_name)),
                 A_S(nz(callee)), A_S(codecs), A_S(""), A_B(audio), A_B(false), A_S(nz(text)));
        FIRE(in, STUB_EV_inviteConnected, 0, A_L(c->id));
        unlock_registry();
    }
    char* all[] = {text, caller_name, caller, callee_name, callee};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
}

/* The tone of a DTMF INFO body: application/dtmf-relay ("Signal=5") or application/dtmf ("5"); -1 if none.
 * Manual: 0-9, 10 *, 11 #, 12-15 A-D, 16 flash. */
static int dtmf_tone(const struct sip_msg* msg)
{
    struct pl body, signal;
    if (wire_body(msg, &body) || pl_strcasecmp(&msg->ctyp.type, "application"))
        return -1;
    if (!pl_strcasecmp(&msg->ctyp.subtype, "dtmf-relay")) {
        if (re_regex(body.p, body.l, "Signal=[ \t]*[^ \t\r\n]+", NULL, &signal))
            return -1;
    } else if (!pl_strcasecmp(&msg->ctyp.subtype, "dtmf")) {
        if (re_regex(body.p, body.l, "[^ \t\r\n]+", &signal))
            return -1;
    } else {
        return -1;
    }
    if (signal.l == 1) {
        const char* p = strchr("0123456789*#ABCD!", toupper((unsigned char)signal.p[0]));
        return p && *p ? (int)(p - "0123456789*#ABCD!") : -1;
    }
    uint32_t n = pl_u32(&signal); /* some send the event number ("10" for *) */
    return signal.l == 2 && n >= 10 && n <= 16 ? (int)n : -1;
}

/* An INFO in the call: a DTMF tone is recvDtmfTone (as in process, whatever the method), anything else
 * recvInfo with the whole message. */
static void info_in(struct sip* sip, const struct sip_msg* msg, void* arg)
{
    wire_call* c = arg;
    int tone = dtmf_tone(msg);
    char* text = tone < 0 ? wire_msg_text(msg) : NULL;
    session* s;
    instance* in = call_lock(c, &s);
    if (in) {
        if (tone >= 0)
            FIRE(in, STUB_EV_recvDtmfTone, 0, A_L(c->id), A_I(tone));
        else
            FIRE(in, STUB_EV_recvInfo, 0, A_S(nz(text)));
        unlock_registry();
    }
    free(text);
    (void)sip_reply(sip, msg, 200, "OK");
}

int net_call_feature(void) { return ECoreNotSupportCallbackMode; }

/* ======================================================================== outgoing */

typedef struct invite_op {
    wire_op op;
    long id;
    char* to;
    bool send_sdp;
} invite_op;

/* Our call could not leave (no route, no memory): it fails at once, as a transport error would. */
static void fail_now(unsigned long long serial, long id, int err)
{
    instance* in = wire_lock(serial);
    if (!in)
        return;
    if (find_session(in, id)) {
        char reason[128];
        int code = wire_status(err, NULL, reason, sizeof reason);
        FIRE(in, STUB_EV_inviteFailure, 0, A_L(id), A_S(reason), A_I(code), A_S(""));
        close_session(in, id);
    }
    unlock_registry();
}

static void run_invite(wire_op* op)
{
    invite_op* o = (invite_op*)op;
    wire_ua* ua = wire_ua_find(op->serial);
    wire_call* c = NULL;
    int err = !ua ? ENOTCONN : !ua->sip || ua->released || !ua->aor ? ENOTCONN : call_new(&c, ua, o->id, true);
    struct mbuf* desc = NULL;
    if (!err && o->send_sdp) /* without SDP, the 2xx offers and our ACK answers */
        err = sdp_encode(&desc, c->sdp, true);
    if (!err) {
        const char* routev[] = {ua->route};
        /* The account's route (outbound proxy, else server) is the first hop, as for every request; the
         * credentials answer a 401/407 the same way. */
        err = sipsess_connect(&c->sess, ua->sess_sock, o->to, ua->display && *ua->display ? ua->display : NULL, ua->aor,
                              ua->user, ua->route ? routev : NULL, ua->route ? 1 : 0, "application/sdp", desc,
                              wire_credentials, ua, true, offered, answered, progress, established, info_in, NULL, closed,
                              c, "User-Agent: %s\r\n%s", ua->agent, ALLOW);
    }
    mem_deref(desc);
    if (err) {
        mem_deref(c);
        if (ua)
            fail_now(op->serial, o->id, err);
    }
    free(o->to);
    free(o);
}

void net_call_invite(instance* in, long id, const call_request* rq)
{
    if (in->replaying) /* replayed into: the trace is the network */
        return;
    invite_op* o = wire_op_new(in, sizeof *o, run_invite);
    if (!o)
        return;
    o->id = id;
    o->to = op_str(rq->to);
    o->send_sdp = rq->send_sdp; /* stub's choice: the wire offers audio only, a video call too */
    wire_op_push(o);
}

/* ======================================================================== incoming */

/* A new INVITE (sipsess_listen's handler): 488 for SDP we cannot read, 486 when the instance takes no call
 * (do-not-disturb, maxCallSessions: as in process), else 180 Ringing and inviteIncoming. */
void wire_call_incoming(const struct sip_msg* msg, void* arg)
{
    wire_ua* ua = arg;
    wire_call* c = NULL;
    if (call_new(&c, ua, 0, false)) {
        (void)sip_treply(NULL, ua->sip, msg, 500, "Server Internal Error");
        return;
    }
    int err = sdp_read(c, msg, true);
    bool has_sdp = !err;
    c->got_offer = has_sdp;
    if (err && err != ENOENT) {
        (void)sip_treply(NULL, ua->sip, msg, 488, "Not Acceptable Here");
        call_free(c);
        return;
    }
    instance* in = wire_lock(ua->serial);
    int code = !in ? 480 : 0;
    if (in) {
        if (in->calls.do_not_disturb ||
            (in->calls.max_sessions > 0 && in->sessions.n >= (size_t)in->calls.max_sessions))
            code = 486;
        unlock_registry();
    }
    if (!code && sipsess_accept(&c->sess, ua->sess_sock, msg, 180, "Ringing", ua->user ? ua->user : "portsip",
                                "application/sdp", NULL, wire_credentials, ua, true, offered, answered, established,
                                info_in, NULL, closed, c, "%s", ALLOW))
        code = 500;
    if (code) {
        if (!c->sess)
            (void)sip_treply(NULL, ua->sip, msg, (uint16_t)code, reason_phrase(code));
        call_free(c); /* with a session: libre answers 486 */
        return;
    }
    char codecs[64];
    bool audio = has_sdp && audio_of(c, codecs, sizeof codecs);
    if (!audio)
        codecs[0] = '\0';
    char* caller_name = wire_display(&msg->from.dname);
    char* caller = (char*)dup_bytes(msg->from.auri.p, msg->from.auri.l);
    char* callee_name = wire_display(&msg->to.dname);
    char* callee = (char*)dup_bytes(msg->to.auri.p, msg->to.auri.l);
    char* text = wire_msg_text(msg);
    in = wire_lock(ua->serial);
    session* s = in ? open_session(in, new_session_id(in)) : NULL;
    if (s) {
        c->id = s->id;
        *s = (session){.id = c->id, .call_state = CALL_INCOMING};
        FIRE(in, STUB_EV_inviteIncoming, 0, A_L(c->id), A_S(nz(caller_name)), A_S(nz(caller)), A_S(nz(callee_name)),
             A_S(nz(callee)), A_S(codecs), A_S(""), A_B(audio), A_B(false), A_S(nz(text)));
    }
    if (in)
        unlock_registry();
    if (!s)
        call_free(c); /* gone, or no memory: libre answers 486 */
    char* all[] = {caller_name, caller, callee_name, callee, text};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
}

/* ======================================================================== answer, end, hold */

typedef struct call_op {
    wire_op op;
    long id;
    int code;     /* end: the rejection's status; hold: 1 hold, 0 unhold; dtmf: the tone */
    int duration; /* dtmf: ms */
    char *content_type, *body; /* info */
} call_op;

static call_op* call_op_new(const instance* in, long id, wire_op_fn run)
{
    call_op* o = wire_op_new(in, sizeof *o, run);
    if (o)
        o->id = id;
    return o;
}

/* The call of operation op, or NULL (the UA or the call is gone: the operation does nothing). */
static wire_call* op_call(const wire_op* op, long id)
{
    const wire_ua* ua = wire_ua_find(op->serial);
    return ua ? call_find(ua, id) : NULL;
}

static void call_op_free(call_op* o)
{
    free(o->content_type);
    free(o->body);
    free(o);
}

static void run_answer(wire_op* op)
{
    call_op* o = (call_op*)op;
    wire_call* c = op_call(op, o->id);
    if (c && c->sess && !c->answered) {
        struct mbuf* desc = NULL;
        /* Our answer to the INVITE's offer, or our offer when it had none (the ACK answers). */
        int err = sdp_encode(&desc, c->sdp, !c->got_offer);
        if (!err)
            err = sipsess_answer(c->sess, 200, "OK", desc, "%s", ALLOW);
        mem_deref(desc);
        c->answered = !err; /* an error: the caller is gone (a CANCEL won the race), closed() reports it */
    }
    call_op_free(o);
}

/* Stub's order, as the network allows it: the session is connected for the API at once (hold, DTMF and
 * MESSAGE are allowed), and inviteConnected comes when the caller's ACK arrives. */
void net_call_answer(instance* in, long id, bool video)
{
    (void)video; /* stub's choice: the wire answers audio only */
    session* s = find_session(in, id);
    if (s)
        s->call_state = CALL_CONNECTED;
    wire_op_push(call_op_new(in, id, run_answer));
}

static void run_end(wire_op* op)
{
    call_op* o = (call_op*)op;
    wire_call* c = op_call(op, o->id);
    if (c) {
        if (c->sess && !c->outgoing && !c->answered)
            (void)sipsess_reject(c->sess, (uint16_t)o->code, reason_phrase(o->code), NULL);
        call_free(c); /* libre sends the BYE (or CANCEL) and waits for its answer */
    }
    call_op_free(o);
}

void net_call_end(instance* in, long id, int code)
{
    close_session(in, id); /* no event here: the peer's inviteClosed/inviteFailure is its own */
    call_op* o = call_op_new(in, id, run_end);
    if (o)
        o->code = code;
    wire_op_push(o);
}

static void run_hold(wire_op* op)
{
    call_op* o = (call_op*)op;
    wire_call* c = op_call(op, o->id);
    if (c && c->sess) {
        struct mbuf* desc = NULL;
        sdp_media_set_ldir(c->audio, o->code ? SDP_SENDONLY : SDP_SENDRECV);
        if (!sdp_encode(&desc, c->sdp, true))
            (void)sipsess_modify(c->sess, desc); /* a re-INVITE (after the one in progress, if any) */
        mem_deref(desc);
    }
    call_op_free(o);
}

void net_call_hold(instance* in, session* s, bool hold)
{
    s->held = hold;
    call_op* o = call_op_new(in, s->id, run_hold);
    if (o)
        o->code = hold;
    wire_op_push(o);
}

/* ======================================================================== INFO and MESSAGE in the call */

static void info_reply(int err, const struct sip_msg* msg, void* arg) { (void)err, (void)msg, (void)arg; }

static void run_info(wire_op* op)
{
    call_op* o = (call_op*)op;
    wire_call* c = op_call(op, o->id);
    struct mbuf* body = c && c->sess ? mbuf_alloc(64) : NULL;
    if (body) {
        int err = o->content_type ? mbuf_write_str(body, nz(o->body))
                                  : mbuf_printf(body, "Signal=%c\r\nDuration=%d\r\n", "0123456789*#ABCD!"[o->code],
                                                o->duration);
        body->pos = 0;
        if (!err) /* v17.1 has no event for an INFO's answer: it is not waited for */
            (void)sipsess_info(c->sess, o->content_type ? o->content_type : "application/dtmf-relay", body, info_reply, NULL);
    }
    mem_deref(body);
    call_op_free(o);
}

/* DTMF_INFO only: RFC 2833 tones travel in RTP, which the wire stub does not have. */
int net_call_dtmf(instance* in, const session* s, int method, int tone, int duration)
{
    if (method != DTMF_INFO)
        return ECoreCodecNotSupport;
    call_op* o = call_op_new(in, s->id, run_info);
    if (o) {
        o->code = tone;
        o->duration = duration / DTMF_SAMPLES_PER_MS > 0 ? duration / DTMF_SAMPLES_PER_MS : 1;
    }
    wire_op_push(o);
    return 0;
}

void net_call_info(instance* in, const session* s, const char* content_type, const char* body)
{
    call_op* o = call_op_new(in, s->id, run_info);
    if (o) {
        o->content_type = op_str(content_type);
        o->body = op_str(body);
        if (!o->content_type || !o->body) {
            call_op_free(o);
            return;
        }
    }
    wire_op_push(o);
}

typedef struct message_op {
    wire_op op;
    long session, id;
    char* content_type;
    unsigned char* body;
    size_t length;
} message_op;

typedef struct message_ctx { /* a MESSAGE in a call, waiting for its answer */
    wire_ua* ua;              /* held, with its stack, as wire_request's requests do */
    struct sip* sip;
    long session, id;
} message_ctx;

static void message_ctx_destructor(void* arg)
{
    message_ctx* m = arg;
    mem_deref(m->sip);
    mem_deref(m->ua);
}

static void message_outcome(unsigned long long serial, long session_id, long id, int code, const char* reason)
{
    instance* in = wire_lock(serial);
    if (!in)
        return;
    if (is_2xx(code))
        FIRE(in, STUB_EV_sendMessageSuccess, 0, A_L(session_id), A_L(id));
    else
        FIRE(in, STUB_EV_sendMessageFailure, 0, A_L(session_id), A_L(id), A_S(reason), A_I(code));
    unlock_registry();
}

static void message_reply(int err, const struct sip_msg* msg, void* arg)
{
    message_ctx* m = arg;
    if (!err && msg->scode < 200)
        return;
    char reason[128];
    int code = wire_status(err, msg, reason, sizeof reason);
    message_outcome(m->ua->serial, m->session, m->id, code, reason);
    mem_deref(m);
}

static void run_message(wire_op* op)
{
    message_op* o = (message_op*)op;
    wire_ua* ua = wire_ua_find(op->serial);
    wire_call* c = ua ? call_find(ua, o->session) : NULL;
    struct sip_dialog* dlg = c ? sipsess_dialog(c->sess) : NULL;
    message_ctx* m = NULL;
    int err = 0;
    if (!dlg || !sip_dialog_established(dlg) || ua->released) {
        err = ENOENT; /* no dialog (yet, or any more): 481, as a peer would answer */
    } else if (!(m = mem_zalloc(sizeof *m, message_ctx_destructor))) {
        err = ENOMEM;
    } else {
        m->ua = mem_ref(ua);
        m->sip = mem_ref(ua->sip);
        m->session = o->session;
        m->id = o->id;
        err = sip_drequestf(NULL, ua->sip, true, "MESSAGE", dlg, 0, NULL, NULL, message_reply, m,
                            "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%b", o->content_type, o->length, o->body,
                            o->length);
    }
    if (err) {
        mem_deref(m);
        if (err == ENOENT)
            message_outcome(op->serial, o->session, o->id, 481, reason_phrase(481));
        else
            message_outcome(op->serial, o->session, o->id, 503, reason_phrase(503));
    }
    free(o->content_type);
    free(o->body);
    free(o);
}

void net_call_message(instance* in, const session* s, long id, const char* type, const char* sub,
                      const unsigned char* body, int length)
{
    message_op* o = wire_op_new(in, sizeof *o, run_message);
    if (!o)
        return;
    o->session = s->id;
    o->id = id;
    o->content_type = str_printf("%s/%s", type, sub);
    o->length = length > 0 ? (size_t)length : 0;
    o->body = dup_bytes(body, o->length);
    if (!o->content_type || !o->body) {
        free(o->content_type);
        free(o->body);
        free(o);
        return; /* out of memory: like a MESSAGE lost on the way */
    }
    wire_op_push(o);
}

/* A MESSAGE with a To tag (wire_loop.c's listener): recvMessage in the call whose dialog it is, 415 for a
 * type the instance does not accept (as out of dialog), 481 outside any call of ours. */
bool wire_call_message(wire_ua* ua, const struct sip_msg* msg)
{
    wire_call* c = NULL;
    for (struct le* le = ua->calls.head; le && !c; le = le->next) {
        wire_call* k = le->data;
        if (k->sess && sip_dialog_established(sipsess_dialog(k->sess)) && sip_dialog_cmp(sipsess_dialog(k->sess), msg))
            c = k;
    }
    struct pl body;
    if (!c) {
        (void)sip_treply(NULL, ua->sip, msg, 481, reason_phrase(481));
        return true;
    }
    if (wire_body(msg, &body)) {
        (void)sip_treply(NULL, ua->sip, msg, 400, "Content-Length Beyond The Message");
        return true;
    }
    bool typed = pl_isset(&msg->ctyp.type);
    char* type = typed ? (char*)dup_bytes(msg->ctyp.type.p, msg->ctyp.type.l) : dup_str("text");
    char* sub = typed ? (char*)dup_bytes(msg->ctyp.subtype.p, msg->ctyp.subtype.l) : dup_str("plain");
    int code = 500;
    session* s;
    instance* in = type && sub ? call_lock(c, &s) : NULL;
    if (in) {
        if (accepts_mime(in, type, sub)) {
            FIRE(in, STUB_EV_recvMessage, 0, A_L(c->id), A_S(type), A_S(sub), A_D((const unsigned char*)body.p, (int)body.l));
            code = 200;
        } else {
            code = 415;
        }
        unlock_registry();
    } else if (type && sub) {
        code = 481;
    }
    (void)sip_treply(NULL, ua->sip, msg, (uint16_t)code, reason_phrase(code));
    free(type);
    free(sub);
    return true;
}

/* ======================================================================== closing */

/* unInitialize: every call of the UA ends (BYE, CANCEL, or 480 for one ringing here); libre holds the stack
 * until their answers, within the close grace (wire_loop.c). */
void wire_call_close(wire_ua* ua)
{
    while (ua->calls.head) {
        wire_call* c = ua->calls.head->data;
        if (c->sess && !c->outgoing && !c->answered)
            (void)sipsess_reject(c->sess, 480, reason_phrase(480), NULL);
        call_free(c);
    }
}
