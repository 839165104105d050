/*
 * stub_presence.c - Presence (P2P and presence-agent mode) and generic subscriptions.
 */
#include "stub_internal.h"

/* A NOTIFY from `in` to one watcher. Manual: the text "Offline" makes one appear offline. An
 * external watcher (injected via stub_emit) has no local instance to notify. */
static void notify_watcher(const instance* in, const in_sub* s, const char* stateText)
{
    instance* w = by_serial_locked(s->watcher);
    if (!w)
        return;
    if (strcmp(stateText, "Offline") == 0)
        FIRE(w, STUB_EV_presenceOffline, 0, A_S(nz(in->display)), A_S(nz(in->uri)));
    else
        FIRE(w, STUB_EV_presenceOnline, 0, A_S(nz(in->display)), A_S(nz(in->uri)), A_S(stateText));
}

/* Break the watcher's link to a subscription this instance dropped (its own id stays valid). */
static void unlink_watcher(const instance* in, const in_sub* s)
{
    instance* w = by_serial_locked(s->watcher);
    out_sub* o = w ? find_out_sub(w, s->watcher_id, true, NULL) : NULL;
    if (o && o->target == in->serial)
        o->target = 0;
}

int PortSIP_setPresenceMode(void* sdk, int mode)
{
    STUB_ENTER(in, sdk, J_INT("mode", mode));
    int rc = ECoreArgumentIncorrect; /* manual: 0 = P2P (default), 1 = presence agent */
    if (mode == 0 || mode == 1) {
        in->presence_mode = mode;
        rc = 0;
    }
    STUB_LEAVE(rc);
}

int PortSIP_setDefaultSubscriptionTime(void* sdk, unsigned int secs)
{
    STUB_ENTER(in, sdk, J_INT("secs", secs));
    in->subscription_secs = secs; /* any value accepted: the stub's subscriptions never expire */
    STUB_LEAVE(0);
}

int PortSIP_setDefaultPublicationTime(void* sdk, unsigned int secs)
{
    STUB_ENTER(in, sdk, J_INT("secs", secs));
    in->publication_secs = secs;
    STUB_LEAVE(0);
}

static long presence_subscribe_locked(instance* in, const char* to, const char* subject)
{
    if (!to)
        return ECoreArgumentNull;
    if (!*to)
        return ECoreInvalidUri;
    /* Manual: presenceSubscribe returns a subscribe id; the contact's state arrives later. */
    long id = new_subscribe_id(in);
    out_sub* o = vec_push(&in->out_subs, sizeof *o);
    if (!o)
        return ECoreStackFailure;
    o->id = id;
    o->presence = true;
    instance* target = find_target_locked(to);
    long target_id = target ? new_subscribe_id(target) : 0;
    in_sub* s = target ? vec_push(&target->in_subs, sizeof *s) : NULL;
    if (s) {
        /* Manual: an incoming SUBSCRIBE raises presenceRecvSubscribe with the receiver's own id. */
        *s = (in_sub){target_id, in->serial, id, SUB_PENDING};
        o->target = target->serial;
        o->target_id = s->id;
        FIRE(target, STUB_EV_presenceRecvSubscribe, 0, A_L(s->id), A_S(nz(in->display)), A_S(nz(in->uri)),
             A_S(nz(subject)));
    } else {
        /* The v17.1 C ABI has no subscription-failure event: the stub reports an unreachable
         * contact (SIP 404) as offline. */
        FIRE(in, STUB_EV_presenceOffline, 0, A_S(""), A_S(to));
    }
    return id;
}

long PortSIP_presenceSubscribe(void* sdk, const char* to, const char* subject)
{
    STUB_ENTER(in, sdk, J_STR("to", to), J_STR("subject", subject));
    long rc = presence_subscribe_locked(in, to, subject);
    STUB_LEAVE(rc);
}

/* Manual: presenceTerminateSubscribe(id) ends a subscription. Stub: ending our own watch also
 * removes the contact's record of us; ending a watcher's subscription unlinks the watcher. */
static int presence_terminate_locked(instance* in, long id)
{
    size_t i;
    const out_sub* o = find_out_sub(in, id, true, &i);
    if (o) {
        instance* t = by_serial_locked(o->target);
        size_t k;
        const in_sub* s = t ? find_in_sub(t, o->target_id, &k) : NULL;
        if (s && s->watcher == in->serial)
            vec_remove(&t->in_subs, k, sizeof *s);
        vec_remove(&in->out_subs, i, sizeof *o);
        return 0;
    }
    const in_sub* s = find_in_sub(in, id, &i);
    if (!s)
        return ECoreNotFoundSubscribeId;
    unlink_watcher(in, s);
    vec_remove(&in->in_subs, i, sizeof *s);
    return 0;
}

int PortSIP_presenceTerminateSubscribe(void* sdk, long subscribeId)
{
    STUB_ENTER(in, sdk, J_LONG("subscribeId", subscribeId));
    int rc = presence_terminate_locked(in, subscribeId);
    STUB_LEAVE(rc);
}

int PortSIP_presenceAcceptSubscribe(void* sdk, long subscribeId)
{
    STUB_ENTER(in, sdk, J_LONG("subscribeId", subscribeId));
    in_sub* s = find_in_sub(in, subscribeId, NULL);
    if (s) /* manual: accepting alone sends no status; setPresenceStatus sends the NOTIFY */
        s->state = SUB_ACTIVE;
    STUB_LEAVE(s ? 0 : ECoreNotFoundSubscribeId);
}

int PortSIP_presenceRejectSubscribe(void* sdk, long subscribeId)
{
    STUB_ENTER(in, sdk, J_LONG("subscribeId", subscribeId));
    size_t i;
    const in_sub* s = find_in_sub(in, subscribeId, &i);
    if (s) { /* the rejected watcher sees the contact as offline */
        notify_watcher(in, s, "Offline");
        unlink_watcher(in, s);
        vec_remove(&in->in_subs, i, sizeof *s);
    }
    STUB_LEAVE(s ? 0 : ECoreNotFoundSubscribeId);
}

static int set_presence_status_locked(instance* in, long subscribeId, const char* stateText)
{
    if (!stateText)
        return ECoreArgumentNull;
    if (in->presence_mode == 1 && subscribeId == 0) {
        /* Manual: in presence-agent mode setPresenceStatus(0, text) PUBLISHes; the stub plays the
         * presence server too and notifies every accepted watcher. */
        const in_sub* s = in->in_subs.items;
        for (size_t i = 0; i < in->in_subs.n; i++)
            if (s[i].state == SUB_ACTIVE)
                notify_watcher(in, &s[i], stateText);
        return 0;
    }
    /* Manual (P2P): setPresenceStatus(id, text) sends a NOTIFY to that watcher. */
    const in_sub* s = find_in_sub(in, subscribeId, NULL);
    if (!s)
        return ECoreNotFoundSubscribeId;
    if (s->state != SUB_ACTIVE) /* stub's choice: a status before accepting is a misuse */
        return ECoreArgumentIncorrect;
    notify_watcher(in, s, stateText);
    return 0;
}

int PortSIP_setPresenceStatus(void* sdk, long subscribeId, const char* stateText)
{
    STUB_ENTER(in, sdk, J_LONG("subscribeId", subscribeId), J_STR("stateText", stateText));
    int rc = set_presence_status_locked(in, subscribeId, stateText);
    STUB_LEAVE(rc);
}

long PortSIP_sendSubscription(void* sdk, const char* to, const char* eventName)
{
    STUB_ENTER(in, sdk, J_STR("to", to), J_STR("eventName", eventName));
    long rc;
    if (!to || !eventName) {
        rc = ECoreArgumentNull;
    } else if (!*to) {
        rc = ECoreInvalidUri;
    } else { /* same id counter as presenceSubscribe; no events: v17.1 exports no handler for a
                generic subscription's NOTIFYs */
        long id = new_subscribe_id(in);
        out_sub* o = vec_push(&in->out_subs, sizeof *o);
        rc = o ? (o->id = id) : ECoreStackFailure;
    }
    STUB_LEAVE(rc);
}

void PortSIP_terminateSubscription(void* sdk, long subscritionId)
{
    STUB_ENTER_VOID(in, sdk, J_LONG("subscritionId", subscritionId)); /* the vendor's spelling */
    size_t i;
    if (find_out_sub(in, subscritionId, false, &i))
        vec_remove(&in->out_subs, i, sizeof(out_sub));
    STUB_LEAVE_VOID();
}

