/*
 * wire_register.c - The account (setUser) and its registration: REGISTER with digest authentication,
 * refreshed before it expires, retried retryTimes times after a failure, and removed (Expires: 0) by
 * unRegisterServer, removeUser and unInitialize.
 */
#include "wire.h"

/* ======================================================================== the account */

typedef struct account_op {
    wire_op op;
    char *user, *display, *auth_name, *password, *domain, *server, *outbound;
    int server_port, outbound_port;
} account_op;

static void account_op_free(account_op* a)
{
    char* fields[] = {a->user, a->display, a->auth_name, a->password, a->domain, a->server, a->outbound};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        free(fields[i]);
    free(a);
}

/* "sip:host[:port][;transport=tcp]", or NULL for no host. An IPv6 address goes in brackets. */
static char* server_uri(const wire_ua* ua, const char* host, int port)
{
    if (!host || !*host)
        return NULL;
    bool v6 = strchr(host, ':') && host[0] != '[';
    char* uri = NULL;
    if (port > 0)
        (void)re_sdprintf(&uri, "sip:%s%s%s:%d%s", v6 ? "[" : "", host, v6 ? "]" : "", port, wire_tp_param(ua));
    else
        (void)re_sdprintf(&uri, "sip:%s%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "", wire_tp_param(ua));
    return uri;
}

static void run_account(wire_op* op)
{
    account_op* a = (account_op*)op;
    wire_ua* ua = wire_ua_find(op->serial);
    if (ua) {
        char** fields[] = {&ua->user, &ua->display, &ua->domain, &ua->auth_name, &ua->password, &ua->aor, &ua->registrar,
                           &ua->route};
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            *fields[i] = mem_deref(*fields[i]);
        int err = str_dup(&ua->user, a->user) | str_dup(&ua->display, a->display) | str_dup(&ua->domain, a->domain) |
                  str_dup(&ua->auth_name, a->auth_name) | str_dup(&ua->password, a->password);
        /* Without a domain, the user is at our own address (P2P: sip:bob@127.0.0.1:5072). */
        if (!err)
            err = *a->domain ? re_sdprintf(&ua->aor, "sip:%s@%s", a->user, a->domain)
                             : re_sdprintf(&ua->aor, "sip:%s@%J%s", a->user, &ua->laddr, wire_tp_param(ua));
        /* A REGISTER's request URI names the registrar's domain (RFC 3261 10.2), else the server itself;
         * every request goes through the outbound proxy, else the server. */
        const char* server = *a->server ? a->server : a->outbound;
        if (*server && *a->domain)
            (void)re_sdprintf(&ua->registrar, "sip:%s", a->domain);
        else
            ua->registrar = server_uri(ua, server, 0);
        ua->route = *a->outbound ? server_uri(ua, a->outbound, a->outbound_port) : server_uri(ua, a->server, a->server_port);
        sip_auth_reset(ua->auth);
        sip_auth_reset(ua->proxy_auth);
        if (err)
            ua->aor = mem_deref(ua->aor); /* out of memory: requests fail (ENOTCONN) rather than go out half-made */
    }
    account_op_free(a);
}

int net_set_user(instance* in, const net_account* account)
{
    account_op* a = wire_op_new(in, sizeof *a, run_account);
    if (!a)
        return ECoreStackFailure;
    a->user = op_str(account->user);
    a->display = op_str(account->display);
    a->auth_name = op_str(account->auth_name);
    a->password = op_str(account->password);
    a->domain = op_str(account->domain);
    a->server = op_str(account->server);
    a->outbound = op_str(account->outbound);
    a->server_port = account->server_port;
    a->outbound_port = account->outbound_port;
    if (!a->user || !a->display || !a->auth_name || !a->password || !a->domain || !a->server || !a->outbound) {
        account_op_free(a);
        return ECoreStackFailure;
    }
    in->sip_server_set = *account->server || *account->outbound;
    wire_op_push(a);
    return 0;
}

/* ======================================================================== registration */

static int register_send(wire_ua* ua, uint32_t expires);

/* What the registrar granted: the expires of our Contact in its answer, else its Expires, else what we asked. */
typedef struct granted {
    const wire_ua* ua;
    uint32_t expires;
    bool found;
} granted;

static bool our_contact(const struct sip_hdr* hdr, const struct sip_msg* msg, void* arg)
{
    (void)msg;
    granted* g = arg;
    struct sip_addr contact;
    struct pl value;
    if (sip_addr_decode(&contact, &hdr->val) || pl_strcmp(&contact.uri.user, g->ua->user) ||
        contact.uri.port != sa_port(&g->ua->laddr) || msg_param_decode(&contact.params, "expires", &value))
        return false;
    g->expires = pl_u32(&value);
    g->found = true;
    return true;
}

static uint32_t granted_expires(const wire_ua* ua, const struct sip_msg* msg, uint32_t asked)
{
    granted g = {ua, asked, false};
    (void)sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, our_contact, &g);
    if (!g.found && pl_isset(&msg->expires))
        g.expires = pl_u32(&msg->expires);
    return g.expires;
}

static void refresh(void* arg)
{
    wire_ua* ua = arg;
    if (register_send(ua, ua->reg.expires))
        ua->reg.registered = false;
}

static void registered_event(wire_ua* ua, int code, const char* reason, const struct sip_msg* msg)
{
    instance* in = wire_lock(ua->serial);
    if (!in)
        return;
    char* text = msg ? wire_msg_text(msg) : NULL;
    in->registered = is_2xx(code);
    FIRE(in, is_2xx(code) ? STUB_EV_registerSuccess : STUB_EV_registerFailure, 0, A_S(reason), A_I(code), A_S(nz(text)));
    free(text);
    unlock_registry();
}

static void register_reply(int err, const struct sip_msg* msg, void* arg)
{
    wire_ua* ua = arg;
    wire_registration* reg = &ua->reg;
    char reason[128];
    int code = wire_status(err, msg, reason, sizeof reason);
    if (!reg->wanted) { /* the answer to our unREGISTER (or to a REGISTER overtaken by one): no event */
        reg->registered = false;
        return;
    }
    if (is_2xx(code)) {
        uint32_t expires = granted_expires(ua, msg, reg->expires);
        reg->registered = expires > 0;
        if (expires > 0) /* refresh at 90% of the time granted, as libre's own sipreg does */
            tmr_start(&reg->tmr, (uint64_t)expires * 900, refresh, ua);
    } else {
        reg->registered = false;
        if (reg->retries_left > 0) { /* manual: retryTimes is how often a failed registration is tried again */
            reg->retries_left--;
            tmr_start(&reg->tmr, WIRE_RETRY_MS, refresh, ua);
        }
    }
    /* Stub's choice: every answer to a REGISTER of ours is an event, refreshes included. */
    registered_event(ua, code, reason, msg);
}

static int register_send(wire_ua* ua, uint32_t expires)
{
    wire_registration* reg = &ua->reg;
    if (!ua->registrar)
        return EINVAL;
    int err = reg->callid ? 0 : re_sdprintf(&reg->callid, "%016llx", (unsigned long long)rand_u64());
    err |= reg->from_tag ? 0 : re_sdprintf(&reg->from_tag, "%016llx", (unsigned long long)rand_u64());
    if (err)
        return err;
    if (!reg->cseq)
        reg->cseq = rand_u16();
    char headers[32];
    re_snprintf(headers, sizeof headers, "Expires: %u\r\n", expires);
    wire_request_cancel(&reg->req);
    wire_send s = {.method = "REGISTER", .uri = ua->registrar, .to = ua->aor, .callid = reg->callid,
                   .from_tag = reg->from_tag, .cseq = &reg->cseq, .headers = headers, .contact = true, .goodbye = expires == 0};
    return wire_request(ua, &s, register_reply, ua, &reg->req);
}

/* Stop refreshing; if the registrar holds our contact, take it back (no event follows). */
static void unregister(wire_ua* ua)
{
    wire_registration* reg = &ua->reg;
    reg->wanted = false;
    tmr_cancel(&reg->tmr);
    if (wire_request_goodbye(reg->req))
        return; /* our unREGISTER is on its way already (unregister_server, then close) */
    /* Registered, or a REGISTER on its way that the registrar may still grant: take it back. */
    if ((reg->registered || reg->req) && register_send(ua, 0) == 0)
        reg->registered = false;
    else
        wire_request_cancel(&reg->req); /* nothing to take back, or the unREGISTER could not be sent */
}

typedef struct register_op {
    wire_op op;
    int expires, retries;
} register_op;

static void run_register(wire_op* op)
{
    const register_op* r = (register_op*)op;
    wire_ua* ua = wire_ua_find(op->serial);
    if (ua) {
        wire_registration* reg = &ua->reg;
        tmr_cancel(&reg->tmr);
        reg->expires = (uint32_t)r->expires;
        reg->retries_left = r->retries;
        reg->wanted = true;
        int err = register_send(ua, reg->expires);
        if (err) {
            char reason[128];
            int code = wire_status(err, NULL, reason, sizeof reason);
            registered_event(ua, code, reason, NULL);
        }
    }
    free(op);
}

int net_register(instance* in, int expires, int retry_times)
{
    if (!in->sip_server_set) /* on the wire, a registration needs a registrar */
        return ECoreSIPServerEmpty;
    register_op* r = wire_op_new(in, sizeof *r, run_register);
    if (!r)
        return ECoreStackFailure;
    r->expires = expires;
    r->retries = retry_times;
    wire_op_push(r);
    return 0;
}

static void run_unregister(wire_op* op)
{
    wire_ua* ua = wire_ua_find(op->serial);
    if (ua)
        unregister(ua);
    free(op);
}

void net_unregister(instance* in) { wire_op_push(wire_op_new(in, sizeof(wire_op), run_unregister)); }

void wire_register_close(wire_ua* ua)
{
    unregister(ua);
    ua->reg.callid = mem_deref(ua->reg.callid);
    ua->reg.from_tag = mem_deref(ua->reg.from_tag);
}
