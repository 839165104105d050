/*
 * wire_request.c - An out-of-dialog request (REGISTER, MESSAGE, PUBLISH) with digest authentication: libre
 * writes and sends it, and a 401/407 challenge is answered once with the account's credentials. A request
 * holds its UA and the UA's stack until it ends, so closing waits for it (see wire_loop.c).
 */
#include "wire.h"

enum { MAX_AUTH_TRIES = 2 }; /* a second challenge after our answer means the credentials are wrong */

struct wire_req {
    struct le le;                  /* in ua->requests */
    wire_ua* ua;                   /* held */
    struct sip* sip;               /* held: the stack does not go while we wait for the answer */
    struct sip_request* req;       /* libre's; NULL once it ended */
    wire_req** reqp;               /* the owner's pointer to this request, cleared when it ends */
    char *method, *uri, *to, *to_params, *callid, *from_tag, *headers, *content_type;
    struct mbuf* body;
    uint32_t* cseq;                /* the owner's sequence, or own_cseq */
    uint32_t own_cseq;
    bool contact, goodbye;
    int auth_tries;
    wire_reply_h* replyh;
    void* arg;
};

static void req_destructor(void* arg)
{
    wire_req* r = arg;
    list_unlink(&r->le);
    if (r->reqp && *r->reqp == r)
        *r->reqp = NULL;
    mem_deref(r->req); /* a request still in flight is cancelled */
    char* strings[] = {r->method, r->uri, r->to, r->to_params, r->callid, r->from_tag, r->headers, r->content_type};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        mem_deref(strings[i]);
    mem_deref(r->body);
    mem_deref(r->sip);
    mem_deref(r->ua);
}

/* A quoted-string (RFC 3261 25.1): the display name with its quotes and backslashes escaped. */
static int print_quoted(struct re_printf* pf, const char* text)
{
    int err = re_hprintf(pf, "\"");
    for (const char* p = text; *p && !err; p++)
        err = re_hprintf(pf, (*p == '"' || *p == '\\') ? "\\%c" : "%c", *p);
    return err | re_hprintf(pf, "\" ");
}

static int print_from(struct re_printf* pf, const wire_ua* ua)
{
    int err = ua->display && *ua->display ? print_quoted(pf, ua->display) : 0;
    return err | re_hprintf(pf, "<%s>", ua->aor);
}

/* Our Contact, with the address libre sends from (sip_send_h: called as the request leaves). */
static int add_contact(enum sip_transp tp, const struct sa* src, const struct sa* dst, struct mbuf* mb, void* arg)
{
    (void)dst;
    const wire_req* r = arg;
    if (!r->contact)
        return 0;
    return mbuf_printf(mb, "Contact: <sip:%s@%J%s>\r\n", r->ua->user, src, sip_transp_param(tp));
}

static void response(int err, const struct sip_msg* msg, void* arg);

/* libre keeps one state per realm: a registrar's (401) and a proxy's (407) challenges of the same realm
 * must not meet, or the second looks like a repeated one and is given up. */
static struct sip_auth* auth_of(const wire_req* r) { return strcmp(r->method, "REGISTER") ? r->ua->proxy_auth : r->ua->auth; }

static int send_once(wire_req* r)
{
    wire_ua* ua = r->ua;
    uint32_t cseq = r->cseq ? ++*r->cseq : ++r->own_cseq;
    struct uri route;
    struct pl route_text;
    if (ua->route) {
        pl_set_str(&route_text, ua->route);
        if (uri_decode(&route, &route_text))
            return EINVAL;
    }
    size_t length = r->body ? mbuf_get_left(r->body) : 0;
    return sip_requestf(&r->req, ua->sip, true, r->method, r->uri, ua->route ? &route : NULL, auth_of(r), add_contact, response, r,
                        "%s%s%s"
                        "To: <%s>%s\r\n"
                        "From: %H;tag=%s\r\n"
                        "Call-ID: %s\r\n"
                        "CSeq: %u %s\r\n"
                        "User-Agent: %s\r\n"
                        "%s"
                        "%s%s%s"
                        "Content-Length: %zu\r\n"
                        "\r\n"
                        "%b",
                        ua->route ? "Route: <" : "", ua->route ? ua->route : "", ua->route ? ";lr>\r\n" : "", r->to,
                        r->to_params ? r->to_params : "", print_from, ua, r->from_tag, r->callid, cseq, r->method, ua->agent,
                        r->headers ? r->headers : "", length ? "Content-Type: " : "", length ? r->content_type : "",
                        length ? "\r\n" : "", length, r->body ? mbuf_buf(r->body) : NULL, length);
}

static void response(int err, const struct sip_msg* msg, void* arg)
{
    wire_req* r = arg;
    if (!err && msg->scode < 200)
        return;
    if (!err && (msg->scode == 401 || msg->scode == 407) && ++r->auth_tries <= MAX_AUTH_TRIES) {
        /* Answer the challenge with the account's credentials (EAUTH: it is the same challenge again),
         * closing or not: the goodbyes of a closing UA (unREGISTER, unPUBLISH) are challenged too. */
        if (!sip_auth_authenticate(auth_of(r), msg) && !send_once(r))
            return;
    }
    mem_ref(r);
    if (r->reqp && *r->reqp == r) /* the owner may start its next request from the handler */
        *r->reqp = NULL;
    r->reqp = NULL;
    if (r->replyh)
        r->replyh(err, msg, r->arg);
    mem_deref(r); /* the handler's reference */
    mem_deref(r); /* the request's */
}

static int dup_or_new(char** dst, const char* given)
{
    return given ? str_dup(dst, given) : re_sdprintf(dst, "%016llx", (unsigned long long)rand_u64());
}

int wire_request(wire_ua* ua, const wire_send* s, wire_reply_h* replyh, void* arg, wire_req** reqp)
{
    if (!ua->sip || ua->released || !ua->aor)
        return ENOTCONN;
    wire_req* r = mem_zalloc(sizeof *r, req_destructor);
    if (!r)
        return ENOMEM;
    r->ua = mem_ref(ua);
    r->sip = mem_ref(ua->sip);
    r->cseq = s->cseq;
    r->own_cseq = rand_u16();
    r->contact = s->contact;
    r->goodbye = s->goodbye;
    r->replyh = replyh;
    r->arg = arg;
    int err = str_dup(&r->method, s->method);
    err |= str_dup(&r->uri, s->uri);
    err |= str_dup(&r->to, s->to);
    err |= s->to_params ? str_dup(&r->to_params, s->to_params) : 0;
    err |= s->headers ? str_dup(&r->headers, s->headers) : 0;
    err |= dup_or_new(&r->callid, s->callid);
    err |= dup_or_new(&r->from_tag, s->from_tag);
    if (!err && s->body_length) {
        err = str_dup(&r->content_type, s->content_type ? s->content_type : "application/octet-stream");
        r->body = mbuf_alloc(s->body_length);
        err |= r->body ? mbuf_write_mem(r->body, s->body, s->body_length) : ENOMEM;
        if (r->body)
            r->body->pos = 0;
    }
    if (!err)
        err = send_once(r);
    if (err) {
        mem_deref(r);
        return err;
    }
    list_append(&ua->requests, &r->le, r);
    if (reqp) {
        r->reqp = reqp;
        *reqp = r;
    }
    return 0;
}

bool wire_request_goodbye(const wire_req* r) { return r && r->goodbye; }

void wire_requests_cancel(wire_ua* ua)
{
    struct le* le = ua->requests.head;
    while (le) {
        wire_req* r = le->data;
        le = le->next;
        wire_req* alone = r;
        if (!r->goodbye)
            wire_request_cancel(r->reqp ? r->reqp : &alone); /* its owner's pointer is cleared too */
    }
}

void wire_request_cancel(wire_req** reqp)
{
    wire_req* r = *reqp;
    if (!r)
        return;
    *reqp = NULL;
    r->reqp = NULL;
    r->replyh = NULL;
    mem_deref(r);
}

int wire_status(int err, const struct sip_msg* msg, char* reason, size_t size)
{
    if (msg) {
        if (pl_strcpy(&msg->reason, reason, size))
            reason[0] = '\0';
        return msg->scode;
    }
    /* No answer within SIP's timers (64*T1 for a request over UDP), or the transport failed. */
    str_ncpy(reason, err == ETIMEDOUT ? "Request Timeout" : "Service Unavailable", size);
    return err == ETIMEDOUT ? 408 : 503;
}

char* wire_msg_text(const struct sip_msg* msg)
{
    const char* start = msg->req ? msg->met.p : msg->ver.p;
    const char* end = (const char*)mbuf_buf(msg->mb) + mbuf_get_left(msg->mb);
    return start && end >= start ? (char*)dup_bytes(start, (size_t)(end - start)) : dup_str("");
}

int wire_body(const struct sip_msg* msg, struct pl* body)
{
    pl_set_mbuf(body, msg->mb);
    if (pl_isset(&msg->clen)) {
        uint32_t length = pl_u32(&msg->clen);
        if (length > body->l)
            return EBADMSG;
        body->l = length;
    }
    return 0;
}

char* wire_display(const struct pl* dname)
{
    struct pl name = *dname;
    if (name.l >= 2 && name.p[0] == '"' && name.p[name.l - 1] == '"') {
        name.p++;
        name.l -= 2;
    }
    return (char*)dup_bytes(name.p ? name.p : "", name.p ? name.l : 0);
}
