/*
 * stub_routing.c - The registry of live instances, SIP URI matching and MIME acceptance, and lookups of an
 * instance's sessions and subscriptions. Callers hold g_mu.
 */
#include "stub_internal.h"

ps_mutex g_mu = PS_MUTEX_INIT;
vec g_instances;
unsigned long long g_instance_serial;

/* The live instance behind a handle, or NULL. Caller holds g_mu. */
instance* live_locked(const void* sdk)
{
    instance** all = g_instances.items;
    for (size_t i = 0; sdk && i < g_instances.n; i++)
        if (all[i] == sdk)
            return all[i];
    return NULL;
}

instance* by_serial_locked(unsigned long long serial)
{
    instance** all = g_instances.items;
    for (size_t i = 0; serial && i < g_instances.n; i++)
        if (all[i]->serial == serial)
            return all[i];
    return NULL;
}

/* Take g_mu and return the live instance; on NULL g_mu is already released. */
instance* lock_live(const void* sdk)
{
    ps_mutex_lock(&g_mu);
    instance* in = live_locked(sdk);
    if (!in)
        ps_mutex_unlock(&g_mu);
    return in;
}

/* Release g_mu, taken by lock_live. */
void unlock_registry(void) { ps_mutex_unlock(&g_mu); }

/* What a stale handle gets: vendor codes for a NULL object / a handle that is not initialized. */
int dead_handle(const void* sdk) { return sdk ? ECoreNotInitialized : ECoreSDKObjectNull; }

/* Split a SIP address into user and host (port, parameters and headers dropped). Accepts
 * sip:user@host, sips:..., user@host, <sip:...>, "Name" <sip:user@host;transport=udp>. */
static void uri_split(const char* uri, span* user, span* host)
{
    const char* s = uri;
    const char* end;
    const char* lt = strchr(s, '<');
    if (lt) {
        s = lt + 1;
        end = strchr(s, '>');
        if (!end)
            end = s + strlen(s);
    } else {
        end = s + strlen(s);
    }
    while (s < end && isspace((unsigned char)*s))
        s++;
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    if (end - s >= 4 && ascii_ieq(s, "sip:", 4))
        s += 4;
    else if (end - s >= 5 && ascii_ieq(s, "sips:", 5))
        s += 5;
    for (const char* p = s; p < end; p++)
        if (*p == ';' || *p == '?') {
            end = p;
            break;
        }
    const char* at = NULL;
    for (const char* p = s; p < end; p++)
        if (*p == '@')
            at = p;
    const char* h = at ? at + 1 : end;
    *user = (span){s, (size_t)((at ? at : end) - s)};
    for (size_t i = 0; i < user->n; i++)
        if (user->p[i] == ':') { /* user:password */
            user->n = i;
            break;
        }
    *host = (span){h, (size_t)(end - h)};
    if (host->n && host->p[0] == '[') { /* [IPv6]:port */
        const char* rb = memchr(host->p, ']', host->n);
        if (rb)
            host->n = (size_t)(rb - host->p) + 1;
    } else {
        const char* colon = memchr(host->p, ':', host->n);
        if (colon)
            host->n = (size_t)(colon - host->p);
    }
}

/* User names match case-sensitively, domains case-insensitively; an empty domain on either
 * side matches any (P2P use without a domain). */
static bool uri_matches(const char* a, const char* b)
{
    span ua, ha, ub, hb;
    uri_split(a, &ua, &ha);
    uri_split(b, &ub, &hb);
    if (ua.n == 0 || ua.n != ub.n || memcmp(ua.p, ub.p, ua.n) != 0)
        return false;
    return ha.n == 0 || hb.n == 0 || (ha.n == hb.n && ascii_ieq(ha.p, hb.p, ha.n));
}

/* The instance a URI reaches (first match), or NULL. Caller holds g_mu. On the wire nothing is reached
 * through the registry: what goes on the wire goes through net_* (calls too: net_call_*). */
instance* find_target_locked(const char* to)
{
    if (net_on_wire())
        return NULL;
    instance** all = g_instances.items;
    for (size_t i = 0; i < g_instances.n; i++)
        if (all[i]->user && all[i]->uri && uri_matches(to, all[i]->uri))
            return all[i];
    return NULL;
}

/* Compare MIME tokens case-insensitively, ignoring parameters after ';' and spaces. */
static bool mime_token_eq(const char* a, const char* b)
{
    size_t na = strcspn(a, ";"), nb = strcspn(b, ";");
    while (na && isspace((unsigned char)a[na - 1]))
        na--;
    while (nb && isspace((unsigned char)b[nb - 1]))
        nb--;
    return na == nb && ascii_ieq(a, b, na);
}

/* Manual: incoming MESSAGE bodies are accepted only for text/plain and for types registered with
 * addSupportedMimeType("MESSAGE", type, subType). */
bool accepts_mime(const instance* in, const char* type, const char* sub)
{
    if (mime_token_eq(type, "text") && mime_token_eq(sub, "plain"))
        return true;
    const mime_type* m = in->mimes.items;
    for (size_t i = 0; i < in->mimes.n; i++)
        if ((strlen(m[i].method) == 7 && ascii_ieq(m[i].method, "MESSAGE", 7)) && mime_token_eq(type, m[i].type) && mime_token_eq(sub, m[i].sub))
            return true;
    return false;
}

session* find_session(const instance* in, long id)
{
    session* s = in->sessions.items;
    for (size_t i = 0; i < in->sessions.n; i++)
        if (s[i].id == id)
            return &s[i];
    return NULL;
}

session* open_session(instance* in, long id)
{
    session* s = vec_push(&in->sessions, sizeof *s);
    if (s)
        s->id = id;
    return s;
}

/* The other end of session s of `in`: its instance and session, or NULL when s has no peer instance
 * or the peer's end is gone (a live peer always links back to exactly this session). */
session* other_end(const instance* in, const session* s, instance** peer)
{
    instance* p = s->peer ? by_serial_locked(s->peer) : NULL;
    session* ps = p ? find_session(p, s->peer_id) : NULL;
    if (ps && (ps->peer != in->serial || ps->peer_id != s->id))
        ps = NULL;
    if (peer)
        *peer = ps ? p : NULL;
    return ps;
}

/* Forget session `id` of `in` (nothing if it is not open). */
void close_session(instance* in, long id)
{
    const session* s = find_session(in, id);
    if (s) {
        playback_end(in, id);
        vec_remove(&in->sessions, (size_t)(s - (const session*)in->sessions.items), sizeof *s);
    }
}

in_sub* find_in_sub(const instance* in, long id, size_t* index)
{
    in_sub* s = in->in_subs.items;
    for (size_t i = 0; i < in->in_subs.n; i++)
        if (s[i].id == id) {
            if (index)
                *index = i;
            return &s[i];
        }
    return NULL;
}

out_sub* find_out_sub(const instance* in, long id, bool presence, size_t* index)
{
    out_sub* s = in->out_subs.items;
    for (size_t i = 0; i < in->out_subs.n; i++)
        if (s[i].id == id && s[i].presence == presence) {
            if (index)
                *index = i;
            return &s[i];
        }
    return NULL;
}

