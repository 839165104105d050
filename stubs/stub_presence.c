/*
 * stub_presence.c - Presence (P2P and presence-agent mode) and generic subscriptions: the API, its checks and
 * the subscriptions each instance keeps. Reaching the other side (the SUBSCRIBE, NOTIFY and PUBLISH) is the
 * network's (net_*: stub_local.c in process, stubs/wire/ on the wire).
 */
#include "stub_internal.h"

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
    in->subscription_secs = secs; /* any value accepted; the in-process stub's subscriptions never expire */
    STUB_LEAVE(0);
}

int PortSIP_setDefaultPublicationTime(void* sdk, unsigned int secs)
{
    STUB_ENTER(in, sdk, J_INT("secs", secs));
    in->publication_secs = secs;
    STUB_LEAVE(0);
}

/* A new subscription of ours (presence or generic): its id, or a vendor code. */
static long new_out_sub(instance* in, const char* to, bool presence)
{
    if (!to)
        return ECoreArgumentNull;
    if (!*to)
        return ECoreInvalidUri;
    int rc = net_check_uri(to);
    if (rc)
        return rc;
    long id = new_subscribe_id(in);
    out_sub* o = vec_push(&in->out_subs, sizeof *o);
    if (!o)
        return ECoreStackFailure;
    o->id = id;
    o->presence = presence;
    return id;
}

long PortSIP_presenceSubscribe(void* sdk, const char* to, const char* subject)
{
    STUB_ENTER(in, sdk, J_STR("to", to), J_STR("subject", subject));
    /* Manual: presenceSubscribe returns a subscribe id; the contact's state arrives later. */
    long id = new_out_sub(in, to, true);
    if (id > 0)
        net_watch(in, id, to, nz(subject));
    STUB_LEAVE(id);
}

/* Manual: presenceTerminateSubscribe(id) ends a subscription: our own watch of a contact, or a watcher's
 * subscription to us. */
static int presence_terminate_locked(instance* in, long id)
{
    size_t i;
    const out_sub* o = find_out_sub(in, id, true, &i);
    if (o) {
        net_unwatch(in, o);
        vec_remove(&in->out_subs, i, sizeof *o);
        return 0;
    }
    const in_sub* s = find_in_sub(in, id, &i);
    if (!s)
        return ECoreNotFoundSubscribeId;
    net_drop_watcher(in, s, false);
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
        net_drop_watcher(in, s, true);
        vec_remove(&in->in_subs, i, sizeof *s);
    }
    STUB_LEAVE(s ? 0 : ECoreNotFoundSubscribeId);
}

static int set_presence_status_locked(instance* in, long subscribeId, const char* stateText)
{
    if (!stateText)
        return ECoreArgumentNull;
    if (in->presence_mode == 1 && subscribeId == 0) {
        /* Manual: in presence-agent mode setPresenceStatus(0, text) PUBLISHes. */
        net_publish(in, stateText);
        return 0;
    }
    /* Manual (P2P): setPresenceStatus(id, text) sends a NOTIFY to that watcher. */
    const in_sub* s = find_in_sub(in, subscribeId, NULL);
    if (!s)
        return ECoreNotFoundSubscribeId;
    if (s->state != SUB_ACTIVE) /* stub's choice: a status before accepting is a misuse */
        return ECoreArgumentIncorrect;
    net_notify_watcher(in, s, stateText);
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
    /* Same id counter as presenceSubscribe. Stub's choice: a SUBSCRIBE needs an event package. */
    long rc = !eventName ? ECoreArgumentNull : !*eventName ? ECoreArgumentIncorrect : new_out_sub(in, to, false);
    if (rc > 0)
        net_subscribe(in, rc, to, eventName);
    STUB_LEAVE(rc);
}

void PortSIP_terminateSubscription(void* sdk, long subscritionId)
{
    STUB_ENTER_VOID(in, sdk, J_LONG("subscritionId", subscritionId)); /* the vendor's spelling */
    size_t i;
    const out_sub* o = find_out_sub(in, subscritionId, false, &i);
    if (o) {
        net_unsubscribe(in, o);
        vec_remove(&in->out_subs, i, sizeof *o);
    }
    STUB_LEAVE_VOID();
}
