/*
 * stub_local.c - The in-process network: how instances reach each other when there is no wire. Every
 * net_* function of stub_internal.h, implemented over the instance registry: a request to a SIP URI goes to
 * the live instance whose user has that URI, and its answer is decided at once. The wire build replaces this
 * file with stubs/wire/ (real SIP over libre); the callers, their checks, ids and bookkeeping are shared.
 */
#include "stub_internal.h"

#ifndef PORTSIP_WIRE

/* ======================================================================== lifecycle and account */

int net_open(instance* in, int transport, const char* local_ip, int local_port, const char* user_agent)
{
    (void)transport, (void)local_ip, (void)user_agent;
    in->local_port = local_port; /* nothing is bound: the port is what the caller asked for */
    return 0;
}

void net_close(instance* in) { (void)in; }

int net_set_user(instance* in, const net_account* account)
{
    (void)in, (void)account; /* the registry finds instances by in->uri */
    return 0;
}

int net_check_uri(const char* uri)
{
    (void)uri; /* any text reaches an instance or nobody */
    return 0;
}

int net_check_message(const instance* in, const char* type, const char* sub, int length)
{
    (void)in, (void)type, (void)sub, (void)length;
    return 0;
}

bool net_on_wire(void) { return false; }

/* ======================================================================== registration */

/* A short, plausible SIP response to REGISTER, naming the user's URI. */
static char* register_response(const instance* in, int code, const char* reason, int expires)
{
    const char* uri = nz(in->uri);
    return str_printf("SIP/2.0 %d %s\r\n"
                      "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-stub\r\n"
                      "From: <%s>;tag=stub\r\n"
                      "To: <%s>;tag=stub-registrar\r\n"
                      "Call-ID: stub-register-%llu\r\n"
                      "CSeq: 1 REGISTER\r\n"
                      "Contact: <%s>;expires=%d\r\n"
                      "Content-Length: 0\r\n\r\n",
                      code, reason, uri, uri, in->serial, uri, expires);
}

/* The registrar answers 200, or what stub_script_next_register scripted. */
int net_register(instance* in, int expires, int retry_times)
{
    (void)retry_times;
    script sc = in->register_script; /* consume a scripted outcome, if any */
    in->register_script = (script){0};
    int code = sc.set ? sc.code : 200;
    const char* reason = sc.set ? nz(sc.reason) : "OK";
    char* msg = register_response(in, code, reason, is_2xx(code) ? expires : 0);
    in->registered = is_2xx(code);
    FIRE(in, is_2xx(code) ? STUB_EV_registerSuccess : STUB_EV_registerFailure, REGISTER_DELAY_MS, A_S(reason), A_I(code),
         A_S(nz(msg)));
    free(msg);
    script_clear(&sc);
    return 0;
}

void net_unregister(instance* in) { (void)in; }

/* ======================================================================== MESSAGE */

void net_send_message(instance* in, long id, const char* to, const char* type, const char* sub, bool is_sms,
                      const unsigned char* body, int length)
{
    (void)is_sms; /* it only changes the To header on the wire */
    if (in->replaying) /* replayed into: the trace is the network, nothing leaves (and fire() answers nothing) */
        return;
    instance* target = find_target_locked(to);
    fate f = message_fate(in, target, 404, "Not Found", type, sub);
    const char* target_display = target ? nz(target->display) : "";
    if (f.deliver)
        FIRE(target, STUB_EV_recvOutOfDialogMessage, 0, A_S(nz(in->display)), A_S(nz(in->uri)), A_S(target_display),
             A_S(to), A_S(type), A_S(sub), A_D(body, length));
    if (is_2xx(f.code))
        FIRE(in, STUB_EV_sendOutOfDialogMessageSuccess, f.delay_ms, A_L(id), A_S(nz(in->display)), A_S(nz(in->uri)),
             A_S(target_display), A_S(to));
    else
        FIRE(in, STUB_EV_sendOutOfDialogMessageFailure, f.delay_ms, A_L(id), A_S(nz(in->display)), A_S(nz(in->uri)),
             A_S(target_display), A_S(to), A_S(f.reason), A_I(f.code));
    script_clear(&f.sc);
}

/* ======================================================================== presence */

/* A NOTIFY from `in` to one watcher. Manual: the text "Offline" makes one appear offline. An
 * external watcher (injected via stub_emit) has no local instance to notify. */
static void notify(const instance* in, const in_sub* s, const char* stateText)
{
    if (in->replaying)
        return;
    instance* w = by_serial_locked(s->watcher);
    if (!w)
        return;
    if (strcmp(stateText, "Offline") == 0)
        FIRE(w, STUB_EV_presenceOffline, 0, A_S(nz(in->display)), A_S(nz(in->uri)));
    else
        FIRE(w, STUB_EV_presenceOnline, 0, A_S(nz(in->display)), A_S(nz(in->uri)), A_S(stateText));
}

/* An incoming SUBSCRIBE raises presenceRecvSubscribe at the target, with the target's own subscribe id. */
void net_watch(instance* in, long id, const char* to, const char* subject)
{
    if (in->replaying)
        return;
    instance* target = find_target_locked(to);
    long target_id = target ? new_subscribe_id(target) : 0;
    in_sub* s = target ? vec_push(&target->in_subs, sizeof *s) : NULL;
    if (s) {
        *s = (in_sub){target_id, in->serial, id, SUB_PENDING};
        out_sub* o = find_out_sub(in, id, true, NULL);
        o->target = target->serial;
        o->target_id = s->id;
        FIRE(target, STUB_EV_presenceRecvSubscribe, 0, A_L(s->id), A_S(nz(in->display)), A_S(nz(in->uri)), A_S(subject));
    } else {
        /* The v17.1 C ABI has no subscription-failure event: the stub reports an unreachable
         * contact (SIP 404) as offline. */
        FIRE(in, STUB_EV_presenceOffline, 0, A_S(""), A_S(to));
    }
}

/* Ending our own watch also removes the contact's record of us. */
void net_unwatch(instance* in, const out_sub* o)
{
    instance* t = by_serial_locked(o->target);
    size_t k;
    const in_sub* s = t ? find_in_sub(t, o->target_id, &k) : NULL;
    if (s && s->watcher == in->serial)
        vec_remove(&t->in_subs, k, sizeof *s);
}

/* The watcher's link to a subscription this instance dropped breaks (its own id stays valid); a rejected
 * watcher sees the contact as offline. */
void net_drop_watcher(instance* in, const in_sub* s, bool rejected)
{
    if (rejected)
        notify(in, s, "Offline");
    instance* w = by_serial_locked(s->watcher);
    out_sub* o = w ? find_out_sub(w, s->watcher_id, true, NULL) : NULL;
    if (o && o->target == in->serial)
        o->target = 0;
}

void net_notify_watcher(instance* in, const in_sub* s, const char* text) { notify(in, s, text); }

/* The stub plays the presence server too: a PUBLISH reaches every accepted watcher. */
void net_publish(instance* in, const char* text)
{
    const in_sub* s = in->in_subs.items;
    for (size_t i = 0; i < in->in_subs.n; i++)
        if (s[i].state == SUB_ACTIVE)
            notify(in, &s[i], text);
}

/* No events: v17.1 exports no handler for a generic subscription's NOTIFYs, and the in-process network has
 * no voicemail or BLF server (a test injects waitingVoiceMessage / dialogStateUpdated with stub_emit). */
void net_subscribe(instance* in, long id, const char* to, const char* event) { (void)in, (void)id, (void)to, (void)event; }

void net_unsubscribe(instance* in, const out_sub* o) { (void)in, (void)o; }

/* ======================================================================== calls (stub_calls.c's call machine) */

void net_call_invite(instance* in, long id, const call_request* rq) { local_route_call(in, id, rq); }

int net_call_feature(void) { return 0; }

void net_call_answer(instance* in, long id, bool video) { local_connect_call(in, id, video); }

void net_call_end(instance* in, long id, int code) { local_end_call(in, id, code); }

void net_call_hold(instance* in, session* s, bool hold) { local_hold(in, s, hold); }

/* Both methods arrive as recvDtmfTone. */
int net_call_dtmf(instance* in, const session* s, int method, int tone, int duration)
{
    (void)method, (void)duration;
    instance* peer;
    const session* ps = other_end(in, s, &peer);
    if (ps)
        FIRE(peer, STUB_EV_recvDtmfTone, 0, A_L(ps->id), A_I(tone));
    return 0;
}

void net_call_info(instance* in, const session* s, const char* content_type, const char* body)
{
    local_info(in, s, content_type, body);
}

/* A linked peer must still exist with its end of the call open; a peerless session (opened by a test or
 * by an injected invite event) has an implicit remote end that accepts everything. */
void net_call_message(instance* in, const session* s, long id, const char* type, const char* sub,
                      const unsigned char* body, int length)
{
    instance* peer; /* NULL unless the peer's end is open */
    other_end(in, s, &peer);
    fate f = s->peer ? message_fate(in, peer, 481, "Call/Transaction Does Not Exist", type, sub)
                     : message_fate(in, NULL, 200, "OK", type, sub);
    if (f.deliver)
        FIRE(peer, STUB_EV_recvMessage, 0, A_L(s->peer_id), A_S(type), A_S(sub), A_D(body, length));
    if (is_2xx(f.code))
        FIRE(in, STUB_EV_sendMessageSuccess, f.delay_ms, A_L(s->id), A_L(id));
    else
        FIRE(in, STUB_EV_sendMessageFailure, f.delay_ms, A_L(s->id), A_L(id), A_S(f.reason), A_I(f.code));
    script_clear(&f.sc);
}

#else
typedef int stub_local_not_in_the_wire_build; /* ISO C wants a declaration in every file */
#endif /* PORTSIP_WIRE */
