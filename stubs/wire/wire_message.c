/*
 * wire_message.c - SIP MESSAGE out of dialog: sent with its body byte for byte and its outcome reported with
 * the final status the network gave; received as recvOutOfDialogMessage, or answered 415 when the instance
 * does not accept its type (manual: text/plain and the types of addSupportedMimeType("MESSAGE", ...)).
 */
#include "wire.h"

/* ======================================================================== checks (API threads) */

/* A SIP URI libre can send to: "sip:" and a host, nothing that would break a header. */
int net_check_uri(const char* uri)
{
    struct uri decoded;
    struct pl text;
    pl_set_str(&text, uri);
    if (strpbrk(uri, " \t\r\n<>\"") || uri_decode(&decoded, &text) || pl_strcasecmp(&decoded.scheme, "sip") ||
        !pl_isset(&decoded.host))
        return ECoreInvalidUri;
    return 0;
}

static bool token_char(unsigned char c) { return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c); }

/* The MIME type is a token; the sub type starts with one and may carry parameters (";charset=..."), on one
 * line: anything else would break the Content-Type header. */
static bool mime_ok(const char* type, const char* sub)
{
    if (!*type || !token_char((unsigned char)*sub))
        return false;
    for (const char* p = type; *p; p++)
        if (!token_char((unsigned char)*p))
            return false;
    for (const char* p = sub; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    return true;
}

int net_check_message(const instance* in, const char* type, const char* sub, int length)
{
    (void)in;
    if (!mime_ok(type, sub))
        return ECoreMimeTypeUnknown;
    return length > WIRE_MAX_BODY ? ECoreDataSizeTooLarge : 0;
}

/* ======================================================================== sending */

typedef struct message_op {
    wire_op op;
    long id;
    char *to, *content_type;
    bool is_sms;
    unsigned char* body;
    size_t length;
} message_op;

typedef struct message_ctx { /* one MESSAGE waiting for its answer */
    unsigned long long serial;
    long id;
    char* to;
    char *display, *aor; /* ours, as sent */
} message_ctx;

static void ctx_destructor(void* arg)
{
    message_ctx* c = arg;
    mem_deref(c->to);
    mem_deref(c->display);
    mem_deref(c->aor);
}

static void message_outcome(const message_ctx* c, int code, const char* reason, const char* to_display)
{
    instance* in = wire_lock(c->serial);
    if (!in)
        return;
    if (is_2xx(code))
        FIRE(in, STUB_EV_sendOutOfDialogMessageSuccess, 0, A_L(c->id), A_S(nz(c->display)), A_S(nz(c->aor)), A_S(to_display),
             A_S(c->to));
    else
        FIRE(in, STUB_EV_sendOutOfDialogMessageFailure, 0, A_L(c->id), A_S(nz(c->display)), A_S(nz(c->aor)), A_S(to_display),
             A_S(c->to), A_S(reason), A_I(code));
    unlock_registry();
}

static void message_reply(int err, const struct sip_msg* msg, void* arg)
{
    message_ctx* c = arg;
    char reason[128];
    int code = wire_status(err, msg, reason, sizeof reason);
    char* to_display = msg ? wire_display(&msg->to.dname) : NULL;
    message_outcome(c, code, reason, nz(to_display));
    free(to_display);
    mem_deref(c);
}

static void run_message(wire_op* op)
{
    message_op* m = (message_op*)op;
    wire_ua* ua = wire_ua_find(op->serial);
    message_ctx* c = ua ? mem_zalloc(sizeof *c, ctx_destructor) : NULL;
    if (c) {
        c->serial = op->serial;
        c->id = m->id;
        int err = str_dup(&c->to, m->to);
        err |= ua->display ? str_dup(&c->display, ua->display) : 0;
        err |= ua->aor ? str_dup(&c->aor, ua->aor) : 0;
        /* Manual: isSMS puts messagetype=SMS in the To header. */
        wire_send s = {.method = "MESSAGE", .uri = m->to, .to = m->to, .to_params = m->is_sms ? ";messagetype=SMS" : NULL,
                       .content_type = m->content_type, .body = m->body, .body_length = m->length};
        if (!err)
            err = wire_request(ua, &s, message_reply, c, NULL);
        if (err) { /* it never left: no user (ENOTCONN), no route, no memory */
            char reason[128];
            int code = wire_status(err, NULL, reason, sizeof reason);
            message_outcome(c, code, reason, "");
            mem_deref(c);
        }
    }
    free(m->to);
    free(m->content_type);
    free(m->body);
    free(m);
}

void net_send_message(instance* in, long id, const char* to, const char* type, const char* sub, bool is_sms,
                      const unsigned char* body, int length)
{
    message_op* m = wire_op_new(in, sizeof *m, run_message);
    if (!m)
        return;
    m->id = id;
    m->to = op_str(to);
    m->content_type = str_printf("%s/%s", type, sub);
    m->is_sms = is_sms;
    m->length = length > 0 ? (size_t)length : 0;
    m->body = dup_bytes(body, m->length);
    if (!m->to || !m->content_type || !m->body) {
        free(m->to);
        free(m->content_type);
        free(m->body);
        free(m);
        return; /* out of memory: like a MESSAGE lost on the way, its outcome never comes */
    }
    wire_op_push(m);
}

/* ======================================================================== receiving */

/* The Accept header of a 415: what the instance takes (RFC 3261 21.4.13). */
static char* accepted_types(const instance* in)
{
    char* accept = str_printf("text/plain");
    const mime_type* m = in->mimes.items;
    for (size_t i = 0; accept && i < in->mimes.n; i++) {
        if (strlen(m[i].method) != 7 || !ascii_ieq(m[i].method, "MESSAGE", 7))
            continue;
        char* longer = str_printf("%s, %s/%s", accept, m[i].type, m[i].sub);
        free(accept);
        accept = longer;
    }
    return accept;
}

bool wire_message_request(wire_ua* ua, const struct sip_msg* msg)
{
    struct pl body;
    if (wire_body(msg, &body)) {
        (void)sip_treply(NULL, ua->sip, msg, 400, "Content-Length Beyond The Message");
        return true;
    }
    size_t length = body.l;
    if (length > WIRE_MAX_BODY) {
        (void)sip_treply(NULL, ua->sip, msg, 413, "Request Entity Too Large");
        return true;
    }
    /* A MESSAGE without a Content-Type is taken as text/plain (RFC 3261 7.4.1 asks for one with a body). */
    struct pl no_params = PL("");
    bool typed = pl_isset(&msg->ctyp.type);
    char* type = typed ? (char*)dup_bytes(msg->ctyp.type.p, msg->ctyp.type.l) : dup_str("text");
    const struct pl* params = typed && pl_isset(&msg->ctyp.params) ? &msg->ctyp.params : &no_params;
    char* sub = typed ? str_printf("%.*s%.*s", (int)msg->ctyp.subtype.l, msg->ctyp.subtype.p, (int)params->l, params->p)
                      : dup_str("plain");
    char* from_display = wire_display(&msg->from.dname);
    char* from = (char*)dup_bytes(msg->from.auri.p, msg->from.auri.l);
    char* to_display = wire_display(&msg->to.dname);
    char* to = (char*)dup_bytes(msg->to.auri.p, msg->to.auri.l);
    char* accept = NULL;
    int code = 500;
    instance* in = type && sub && from_display && from && to_display && to ? wire_lock(ua->serial) : NULL;
    if (in) {
        if (accepts_mime(in, type, sub)) {
            FIRE(in, STUB_EV_recvOutOfDialogMessage, 0, A_S(from_display), A_S(from), A_S(to_display), A_S(to), A_S(type),
                 A_S(sub), A_D((const unsigned char*)body.p, (int)length));
            code = 200;
        } else {
            accept = accepted_types(in);
            code = 415;
        }
        unlock_registry();
    }
    if (code == 415)
        (void)sip_treplyf(NULL, NULL, ua->sip, msg, false, 415, "Unsupported Media Type",
                          "Accept: %s\r\nContent-Length: 0\r\n\r\n", nz(accept));
    else
        (void)sip_treply(NULL, ua->sip, msg, (uint16_t)code, code == 200 ? "OK" : "Server Internal Error");
    char* all[] = {type, sub, from_display, from, to_display, to, accept};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
    return true;
}
