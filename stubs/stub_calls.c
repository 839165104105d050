/*
 * stub_calls.c - Calls between instances: the INVITE and its outcome, answer, reject, hang up, hold,
 * re-INVITE, mute, forwarding, DTMF, INFO, OPTIONS, BLF pickup, and the call settings.
 *
 * A call links one session at each end (session.peer/peer_id, both ways; stub_routing.c's other_end
 * follows the link). Every outcome is decided when the API call is made, under g_mu; the events that
 * report it are queued on the instances concerned and fired later by their workers (manual: call()
 * returns a session id at once and the call's progress arrives as events carrying it). Calls reach
 * other instances by their users' SIP URIs, as MESSAGEs do.
 */
#include "stub_internal.h"

/* Stub's choice: what two default SDKs negotiate ("#" separates codecs, as in the manual). */
#define AUDIO_CODECS "PCMU#PCMA"
#define VIDEO_CODECS "H264"
#define MAX_FORWARDS 5 /* stub's choice: forwarding hops before a call fails with 482 Loop Detected */
#define MIN_SESSION_TIMER 90 /* manual: the session timer needs at least 90 seconds */
#define MAX_DTMF_TONE 16 /* manual: tones 0-9, 10 *, 11 #, 12-15 A-D, 16 flash */

/* ======================================================================== SIP texts */

const char* reason_phrase(int code)
{
    switch (code) {
    case 180: return "Ringing";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 302: return "Moved Temporarily";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 482: return "Loop Detected";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 501: return "Not Implemented";
    case 500: return "Server Internal Error";
    case 503: return "Service Unavailable";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    default: return code < 400 ? "Redirected" : code < 500 ? "Client Error" : code < 600 ? "Server Error" : "Global Failure";
    }
}

/* Who called whom, and the Call-ID (a kind, the caller's instance serial and session id), for SIP texts. */
typedef struct dialog {
    const char* kind; /* "call" (pickupBLFCall parses these Call-IDs), or an out-of-dialog request's */
    const char *caller_name, *caller, *callee_name, *callee;
    unsigned long long serial;
    long id;
    bool by_caller; /* the instance the dialog was taken from is the caller */
} dialog;

static dialog dialog_of(const instance* in, const session* s)
{
    instance* peer;
    const session* ps = other_end(in, s, &peer);
    const char* peer_name = peer ? nz(peer->display) : "";
    const char* peer_uri = peer ? nz(peer->uri) : "";
    if (s->outgoing || !ps)
        return (dialog){"call", nz(in->display), nz(in->uri), peer_name, peer_uri, in->serial, s->id, true};
    return (dialog){"call", peer_name, peer_uri, nz(in->display), nz(in->uri), peer->serial, ps->id, false};
}

/* A short, plausible SIP message of dialog d sent by its caller (by_caller) or callee: a `method`
 * request (code 0) or the response `code` to one. extra holds more header lines, each ending CRLF. */
static char* sip_text(const dialog* d, bool by_caller, int code, const char* method, const char* extra,
                      const char* content_type, const char* body)
{
    bool reverse = code == 0 && !by_caller; /* a request from the callee goes the other way */
    const char* from_name = reverse ? d->callee_name : d->caller_name;
    const char* from = reverse ? d->callee : d->caller;
    const char* to = reverse ? d->caller : d->callee;
    char* first = code ? str_printf("SIP/2.0 %d %s", code, reason_phrase(code)) : str_printf("%s %s SIP/2.0", method, to);
    unsigned long length = body ? (unsigned long)strlen(body) : 0;
    char* text = str_printf("%s\r\n"
                            "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-stub-%llu-%ld\r\n"
                            "Max-Forwards: 70\r\n"
                            "From: \"%s\" <%s>;tag=stub-%llu-%ld\r\n"
                            "To: <%s>\r\n"
                            "Call-ID: stub-%s-%llu-%ld\r\n"
                            "CSeq: %d %s\r\n"
                            "Contact: <%s>\r\n"
                            "User-Agent: portsip-stub\r\n"
                            "%s%s%s%s"
                            "Content-Length: %lu\r\n\r\n%s",
                            nz(first), d->serial, d->id, from_name, from, d->serial, d->id, to, d->kind, d->serial, d->id,
                            strcmp(method, "INVITE") == 0 ? 1 : 2, method, by_caller ? d->caller : d->callee, nz(extra),
                            body ? "Content-Type: " : "", body ? content_type : "", body ? "\r\n" : "", length,
                            body ? body : "");
    free(first);
    return text;
}

/* A message `in` sends in the call of its session s: a `method` request, or (code > 0) the response. */
static char* session_text(const instance* in, const session* s, int code, const char* method, const char* extra,
                          const char* content_type, const char* body)
{
    dialog d = dialog_of(in, s);
    return sip_text(&d, d.by_caller, code, method, extra, content_type, body);
}

char* call_message(const instance* in, const session* s, bool request, const char* method, const char* extra,
                   const char* content_type, const char* body)
{
    return session_text(in, s, request ? 0 : 200, method, extra, content_type, body);
}

/* A request `in` sends to `to` outside any call (OPTIONS, an out-of-dialog REFER); `kind` and the
 * message-id counter make its Call-ID. */
char* request_text(instance* in, const char* to, const char* kind, const char* method, const char* extra,
                   const char* content_type, const char* body)
{
    dialog d = {kind, nz(in->display), nz(in->uri), "", to, in->serial, new_message_id(in), true};
    return sip_text(&d, true, 0, method, extra, content_type, body);
}

/* The SDP of an offer or answer with these media. */
static char* sdp_body(unsigned long long owner, bool audio, bool video)
{
    return str_printf("v=0\r\no=- %llu 1 IN IP4 127.0.0.1\r\ns=portsip-stub\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n%s%s", owner,
                      audio ? "m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
                              "a=rtpmap:101 telephone-event/8000\r\n"
                            : "",
                      video ? "m=video 40002 RTP/AVP 125\r\na=rtpmap:125 H264/90000\r\n" : "");
}

/* A message of session s carrying its current media as SDP. */
static char* session_text_sdp(const instance* in, const session* s, int code, const char* method)
{
    char* sdp = sdp_body(in->serial, !s->audio_off, s->video);
    char* text = session_text(in, s, code, method, NULL, "application/sdp", nz(sdp));
    free(sdp);
    return text;
}

static const char* audio_codecs(const session* s) { return s->audio_off ? "" : AUDIO_CODECS; }

static const char* video_codecs(const session* s) { return s->video ? VIDEO_CODECS : ""; }

/* ======================================================================== the call machine */

/* Session `id` of `in`, for an operation that needs the call in `state` (ANY_STATE: any). Codes are
 * the stub's choice where the manual names none: an unknown id is ECoreInviteSessionNotFound (as for
 * sendMessage); manual: hold, updateCall etc. need a connected call (ECoreCallNotEstablished). */
int call_session(instance* in, long id, int state, session** s)
{
    *s = find_session(in, id);
    if (!*s)
        return ECoreInviteSessionNotFound;
    if (state == CALL_INCOMING && (*s)->call_state != CALL_INCOMING)
        return ECoreNotIncomingCall;
    if (state == CALL_CONNECTED && (*s)->call_state != CALL_CONNECTED)
        return ECoreCallNotEstablished;
    return 0;
}

static bool at_capacity(const instance* in)
{
    return in->calls.max_sessions > 0 && in->sessions.n >= (size_t)in->calls.max_sessions;
}

/* A call placed by acceptRefer reports to the REFER's sender (manual: referAccepted, then
 * transferTrying and transferRinging, then ACTVTransferSuccess or ACTVTransferFailure), as long as
 * the sender's end of the call the REFER came in is still open. */
static void tell_referrer(const session* s, int event, int code, const char* reason)
{
    instance* r = s->referrer && s->referrer_session ? by_serial_locked(s->referrer) : NULL;
    if (!r || !find_session(r, s->referrer_session))
        return;
    if (event == STUB_EV_ACTVTransferFailure)
        FIRE(r, event, 0, A_L(s->referrer_session), A_S(reason), A_I(code));
    else
        FIRE(r, event, 0, A_L(s->referrer_session));
}

/* Our outgoing call `id` fails with a final response from `callee` (the URI called when no instance
 * answered): the caller gets inviteFailure, and the session is gone. */
static void fail_call(instance* in, long id, const char* callee, int code)
{
    session* s = find_session(in, id);
    if (!s)
        return;
    const char* reason = reason_phrase(code);
    dialog d = dialog_of(in, s);
    if (!*d.callee)
        d.callee = callee;
    char* response = sip_text(&d, false, code, "INVITE", NULL, NULL, NULL);
    FIRE(in, STUB_EV_inviteFailure, 0, A_L(id), A_S(reason), A_I(code), A_S(nz(response)));
    free(response);
    tell_referrer(s, STUB_EV_ACTVTransferFailure, code, reason);
    close_session(in, id);
}

/* `in` ends its session `id`. Manual: the remote side gets inviteClosed ("the remote side closes the
 * call"), so the side that ends it gets no event. A call still ringing here fails at the caller with
 * `code` instead (a rejection); our own unanswered call is cancelled (inviteClosed at the callee,
 * ACTVTransferFailure 487 at a referrer). */
void local_end_call(instance* in, long id, int code)
{
    session* s = find_session(in, id);
    if (!s)
        return;
    if (s->call_state == CALL_OUTGOING)
        tell_referrer(s, STUB_EV_ACTVTransferFailure, 487, reason_phrase(487));
    instance* peer;
    session* ps = other_end(in, s, &peer);
    if (ps && ps->call_state == CALL_OUTGOING) {
        fail_call(peer, ps->id, nz(in->uri), code);
    } else if (ps) {
        FIRE(peer, STUB_EV_inviteClosed, 0, A_L(ps->id));
        close_session(peer, ps->id);
    }
    close_session(in, id); /* by id: the peer's changes may have moved it (a call to oneself) */
}

/* Unitialize: every call of `in` ends as if hung up; calls ringing here fail with 480 at the caller
 * (stub's choice). `in` is already out of the registry, so it gets no events itself. */
void end_all_calls(instance* in)
{
    while (in->sessions.n)
        net_call_end(in, ((const session*)in->sessions.items)[0].id, 480);
}

/* The callee `t` answers its ringing session `tid`, or the call is connected for it (Replaces, pickup).
 * Manual: the caller gets inviteAnswered then inviteConnected, the callee inviteConnected. Video stays
 * only if both sides want it. */
void local_connect_call(instance* t, long tid, bool video)
{
    session* ts = find_session(t, tid);
    instance* caller;
    session* cs = other_end(t, ts, &caller);
    ts->call_state = CALL_CONNECTED;
    ts->video = ts->video && video;
    if (cs) {
        cs->call_state = CALL_CONNECTED;
        cs->video = ts->video;
        cs->audio_off = ts->audio_off;
        dialog d = dialog_of(t, ts);
        char* ok = session_text_sdp(t, ts, 200, "INVITE");
        FIRE(caller, STUB_EV_inviteAnswered, 0, A_L(cs->id), A_S(d.caller_name), A_S(d.caller), A_S(d.callee_name),
             A_S(d.callee), A_S(audio_codecs(cs)), A_S(video_codecs(cs)), A_B(!cs->audio_off), A_B(cs->video), A_S(nz(ok)));
        free(ok);
        FIRE(caller, STUB_EV_inviteConnected, 0, A_L(cs->id));
        tell_referrer(cs, STUB_EV_ACTVTransferSuccess, 0, NULL);
        cs->referrer = 0; /* the transfer is over */
    }
    FIRE(t, STUB_EV_inviteConnected, 0, A_L(tid));
}

/* The INVITE's extra headers: the caller's PRACK and session-timer settings, and what a transfer adds. */
static char* invite_headers(const instance* in, const call_request* rq, long replaced_id)
{
    static const char* const refreshers[] = {"uac", "uas", "uac", "uas"}; /* LOCAL/REMOTE: the caller's view */
    char* timer = in->calls.session_timer ? str_printf("Session-Expires: %d;refresher=%s\r\n", in->calls.session_timer,
                                                       refreshers[in->calls.refresh_mode & 3])
                                          : NULL;
    const instance* referrer = rq->referrer ? by_serial_locked(rq->referrer) : NULL;
    char* referred = referrer ? str_printf("Referred-By: <%s>\r\n", nz(referrer->uri)) : NULL;
    char* replaces = replaced_id ? str_printf("Replaces: stub-call-%llu-%ld\r\n", rq->referrer, rq->replace_session) : NULL;
    char* all = str_printf("%s: 100rel\r\n%s%s%s", in->calls.reliable_provisional ? "Require" : "Supported", nz(timer),
                           nz(referred), nz(replaces));
    free(timer);
    free(referred);
    free(replaces);
    return all;
}

/* The callee's session that an INVITE with Replaces takes over: the other end of the referrer's session
 * rq->replace_session, if it is at `t`. */
static session* replaced_session(instance* t, const call_request* rq)
{
    session* s = t->sessions.items;
    for (size_t i = 0; i < t->sessions.n; i++)
        if (s[i].peer == rq->referrer && s[i].peer_id == rq->replace_session)
            return &s[i];
    return NULL;
}

/* Our call `id` reaches instance `t`: it rings there (inviteIncoming), and the caller hears it ringing
 * (inviteRinging 180; first inviteSessionProgress 183 with early media when the caller enabled it). */
static void ring(instance* in, long id, instance* t, const call_request* rq)
{
    long replaced_id = 0;
    if (rq->replace_session) {
        const session* r = replaced_session(t, rq);
        if (!r) { /* RFC 3891: nothing to replace */
            fail_call(in, id, nz(t->uri), 481);
            return;
        }
        replaced_id = r->id;
    }
    session* ts = open_session(t, new_session_id(t));
    if (!ts) {
        fail_call(in, id, nz(t->uri), 500);
        return;
    }
    long tid = ts->id;
    *ts = (session){.id = tid, .peer = in->serial, .peer_id = id, .call_state = CALL_INCOMING, .video = rq->video};
    session* s = find_session(in, id); /* after the push: t may be `in` */
    s->peer = t->serial;
    s->peer_id = tid;

    char* extra = invite_headers(in, rq, replaced_id);
    char* sdp = rq->send_sdp ? sdp_body(in->serial, true, rq->video) : NULL;
    dialog d = dialog_of(in, s);
    char* invite = sip_text(&d, true, 0, "INVITE", extra, "application/sdp", sdp);
    /* Without SDP in the INVITE the callee learns the media only from the answer. */
    FIRE(t, STUB_EV_inviteIncoming, 0, A_L(tid), A_S(d.caller_name), A_S(d.caller), A_S(d.callee_name), A_S(d.callee),
         A_S(rq->send_sdp ? AUDIO_CODECS : ""), A_S(rq->send_sdp && rq->video ? VIDEO_CODECS : ""), A_B(rq->send_sdp),
         A_B(rq->send_sdp && rq->video), A_S(nz(invite)));
    free(invite);
    free(sdp);
    free(extra);

    if (replaced_id) {
        /* Stub's choice (the manual is silent): the replacing call is connected at once, and the
         * replaced call ends at both ends (inviteClosed at the callee too, whose session is gone). */
        local_connect_call(t, tid, rq->video);
        FIRE(t, STUB_EV_inviteClosed, 0, A_L(replaced_id));
        local_end_call(t, replaced_id, 480);
        return;
    }
    if (in->calls.early_media) {
        char* progress = session_text_sdp(t, find_session(t, tid), 183, "INVITE");
        FIRE(in, STUB_EV_inviteSessionProgress, 0, A_L(id), A_S(AUDIO_CODECS), A_S(rq->video ? VIDEO_CODECS : ""),
             A_B(true), A_B(true), A_B(rq->video), A_S(nz(progress)));
        free(progress);
    }
    char* ringing = sip_text(&d, false, 180, "INVITE", NULL, NULL, NULL);
    FIRE(in, STUB_EV_inviteRinging, 0, A_L(id), A_S(reason_phrase(180)), A_I(180), A_S(nz(ringing)));
    free(ringing);
    tell_referrer(find_session(in, id), STUB_EV_transferRinging, 0, NULL);
}

/* Send our call `id` towards rq->to: the user must exist (else 404), take calls (do-not-disturb:
 * 486; manual: DND rejects every incoming call, the code is the stub's choice) and have a free
 * session (else 486, stub's choice). Manual: a user with call forwarding on (for busy only: while in
 * a call) gets inviteBeginingForward and the call goes on to the forwarding target. */
void local_route_call(instance* in, long id, const call_request* rq)
{
    if (in->replaying) /* replayed into: the trace is the network, the call reaches no instance */
        return;
    const char* dest = rq->to;
    for (int hops = 0;; hops++) {
        instance* t = find_target_locked(dest);
        if (!t) {
            fail_call(in, id, dest, 404);
            return;
        }
        if (t->calls.do_not_disturb) {
            fail_call(in, id, nz(t->uri), 486);
            return;
        }
        if (t->calls.forward_to && (!t->calls.forward_busy_only || t->sessions.n > 0)) {
            if (hops == MAX_FORWARDS) {
                fail_call(in, id, nz(t->uri), 482);
                return;
            }
            FIRE(t, STUB_EV_inviteBeginingForward, 0, A_S(t->calls.forward_to));
            dest = t->calls.forward_to;
            continue;
        }
        if (at_capacity(t)) {
            fail_call(in, id, nz(t->uri), 486);
            return;
        }
        ring(in, id, t, rq);
        return;
    }
}

/* Start a call from `in`: the new session's id, or a vendor code. Manual: the caller gets inviteTrying,
 * then ringing, answered/connected or failure; a call placed by acceptRefer first tells the referrer
 * the REFER was accepted. maxCallSessions sessions at most (stub's choice of code:
 * ECoreNoFreeDialogSession). */
long place_call(instance* in, const call_request* rq)
{
    if (!rq->to)
        return ECoreArgumentNull;
    if (!*rq->to)
        return ECoreCalleeEmpty;
    if (!in->user) /* stub's choice, as for registerServer: a call needs the caller's user */
        return ECoreUserNameAuthNameEmpty;
    int rc = net_check_uri(rq->to); /* on the wire: a SIP URI libre can send to */
    if (rc)
        return rc;
    if (at_capacity(in))
        return ECoreNoFreeDialogSession;
    session* s = open_session(in, new_session_id(in));
    if (!s)
        return ECoreStackFailure;
    long id = s->id;
    *s = (session){.id = id, .call_state = CALL_OUTGOING, .outgoing = true, .video = rq->video, .referrer = rq->referrer,
                   .referrer_session = rq->referrer_session};
    tell_referrer(s, STUB_EV_referAccepted, 0, NULL);
    FIRE(in, STUB_EV_inviteTrying, 0, A_L(id));
    tell_referrer(s, STUB_EV_transferTrying, 0, NULL);
    net_call_invite(in, id, rq);
    return id;
}

void free_call_settings(instance* in)
{
    free(in->calls.forward_to);
    refer* r = in->calls.refers.items;
    for (size_t i = 0; i < in->calls.refers.n; i++)
        free(r[i].refer_to);
    vec_free(&in->calls.refers);
}

/* ======================================================================== call functions */

long PortSIP_call(void* sdk, const char* callTo, bool sendSdp, bool videoCall)
{
    STUB_ENTER(in, sdk, J_STR("callTo", callTo), J_BOOL("sendSdp", sendSdp), J_BOOL("videoCall", videoCall));
    call_request rq = {.to = callTo, .send_sdp = sendSdp, .video = videoCall};
    long rc = place_call(in, &rq);
    STUB_LEAVE(rc);
}

int PortSIP_answerCall(void* sdk, long sessionId, bool videoCall)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_BOOL("videoCall", videoCall));
    session* s;
    /* Manual: answers an incoming call. An outgoing call, or one answered already, is not one
     * (ECoreNotIncomingCall). */
    int rc = call_session(in, sessionId, CALL_INCOMING, &s);
    if (!rc)
        net_call_answer(in, sessionId, videoCall);
    STUB_LEAVE(rc);
}

int PortSIP_rejectCall(void* sdk, long sessionId, int code)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_INT("code", code));
    session* s;
    int rc = call_session(in, sessionId, CALL_INCOMING, &s);
    if (!rc && (code < 300 || code > 699)) /* stub's choice: only a final non-2xx response rejects */
        rc = ECoreArgumentIncorrect;
    if (!rc) /* manual: the caller's inviteFailure carries the code */
        net_call_end(in, sessionId, code);
    STUB_LEAVE(rc);
}

int PortSIP_hangUp(void* sdk, long sessionId)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!rc) /* stub's choice: hanging up a call still ringing here declines it (603) */
        net_call_end(in, sessionId, 603);
    STUB_LEAVE(rc);
}

int PortSIP_hold(void* sdk, long sessionId)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId));
    session* s;
    int rc = call_session(in, sessionId, CALL_CONNECTED, &s);
    if (!rc && s->held)
        rc = ECoreCallAlreadyHold;
    if (!rc) /* manual: the remote side gets remoteHold */
        net_call_hold(in, s, true);
    STUB_LEAVE(rc);
}

/* In process: put session s on hold (the peer gets remoteHold) or take it off. */
void local_hold(instance* in, session* s, bool hold)
{
    if (!hold) {
        unhold_call(in, s);
        return;
    }
    s->held = true;
    instance* peer;
    const session* ps = other_end(in, s, &peer);
    if (ps)
        FIRE(peer, STUB_EV_remoteHold, 0, A_L(ps->id));
}

/* Take session s off hold: manual, the remote side gets remoteUnHold with the call's media. */
void unhold_call(instance* in, session* s)
{
    s->held = false;
    instance* peer;
    const session* ps = other_end(in, s, &peer);
    if (ps)
        FIRE(peer, STUB_EV_remoteUnHold, 0, A_L(ps->id), A_S(audio_codecs(ps)), A_S(video_codecs(ps)), A_B(!ps->audio_off),
             A_B(ps->video));
}

int PortSIP_unHold(void* sdk, long sessionId)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId));
    session* s;
    int rc = call_session(in, sessionId, CALL_CONNECTED, &s);
    if (!rc && !s->held)
        rc = ECoreCallNotHold;
    if (!rc)
        net_call_hold(in, s, false);
    STUB_LEAVE(rc);
}

int PortSIP_updateCall(void* sdk, long sessionId, bool enableAudio, bool enableVideo)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_BOOL("enableAudio", enableAudio), J_BOOL("enableVideo", enableVideo));
    session* s;
    int rc = call_session(in, sessionId, CALL_CONNECTED, &s);
    if (!rc)
        rc = net_call_feature();
    if (!rc) { /* manual: a re-INVITE with the new media; the remote side gets inviteUpdated */
        s->audio_off = !enableAudio;
        s->video = enableVideo;
        instance* peer;
        session* ps = other_end(in, s, &peer);
        if (ps) {
            ps->audio_off = s->audio_off;
            ps->video = s->video;
            char* reinvite = session_text_sdp(in, s, 0, "INVITE");
            FIRE(peer, STUB_EV_inviteUpdated, 0, A_L(ps->id), A_S(audio_codecs(ps)), A_S(video_codecs(ps)), A_B(enableAudio),
                 A_B(enableVideo), A_S(nz(reinvite)));
            free(reinvite);
        }
    }
    STUB_LEAVE(rc);
}

int PortSIP_muteSession(void* sdk, long sessionId, bool muteIncomingAudio, bool muteOutgoingAudio, bool muteIncomingVideo,
                        bool muteOutgoingVideo)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_BOOL("muteIncomingAudio", muteIncomingAudio),
               J_BOOL("muteOutgoingAudio", muteOutgoingAudio), J_BOOL("muteIncomingVideo", muteIncomingVideo),
               J_BOOL("muteOutgoingVideo", muteOutgoingVideo));
    session* s;
    int rc = call_session(in, sessionId, ANY_STATE, &s);
    if (!rc) /* local media only: no signalling, so no event anywhere */
        s->muted = (unsigned char)((muteIncomingAudio ? MUTE_IN_AUDIO : 0) | (muteOutgoingAudio ? MUTE_OUT_AUDIO : 0) |
                                   (muteIncomingVideo ? MUTE_IN_VIDEO : 0) | (muteOutgoingVideo ? MUTE_OUT_VIDEO : 0));
    STUB_LEAVE(rc);
}

/* A forwarding target: not NULL, not empty. */
static int check_target(const char* uri)
{
    return !uri ? ECoreArgumentNull : !*uri ? ECoreInvalidUri : 0;
}

int PortSIP_forwardCall(void* sdk, long sessionId, const char* forwardTo)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_STR("forwardTo", forwardTo));
    session* s;
    int rc = check_target(forwardTo);
    if (!rc) /* manual: forwards a call being received */
        rc = call_session(in, sessionId, CALL_INCOMING, &s);
    if (!rc)
        rc = net_call_feature();
    if (!rc) {
        /* Stub's choice: the caller's SDK follows the redirect (302): its same session now calls
         * forwardTo, with the usual events; this end's session is gone, without an event. */
        instance* caller;
        const session* cs = other_end(in, s, &caller);
        long caller_id = cs ? cs->id : 0;
        close_session(in, sessionId);
        session* c = caller ? find_session(caller, caller_id) : NULL;
        if (c) {
            c->peer = 0;
            c->peer_id = 0;
            call_request rq = {.to = forwardTo, .send_sdp = true, .video = c->video};
            local_route_call(caller, caller_id, &rq);
        }
    }
    STUB_LEAVE(rc);
}

/* BLF pickup. The dialog id names a call ringing somewhere: the Call-ID of the stub's INVITE, as its
 * dialog-state events would carry it. Stub's choice (the manual gives the scenario only): the picker's
 * new call takes over, the ringing callee's session closes (inviteClosed: the caller cancelled it) and
 * the caller's call is answered by the picker. A dialog that is unknown or no longer ringing fails the
 * picker's call with 481. */
static long pickup_locked(instance* in, const char* replaceDialogId, bool videoCall)
{
    if (!replaceDialogId)
        return ECoreArgumentNull;
    if (!*replaceDialogId)
        return ECoreArgumentIncorrect;
    if (net_call_feature())
        return net_call_feature();
    if (!in->user)
        return ECoreUserNameAuthNameEmpty;
    if (at_capacity(in))
        return ECoreNoFreeDialogSession;
    unsigned long long serial = 0;
    long caller_id = 0;
    int used = 0;
    if (sscanf(replaceDialogId, "stub-call-%llu-%ld%n", &serial, &caller_id, &used) != 2 ||
        (size_t)used != strlen(replaceDialogId))
        serial = 0;
    instance* caller = by_serial_locked(serial);
    session* cs = caller ? find_session(caller, caller_id) : NULL;
    instance* callee = NULL;
    const session* ringing = cs && cs->call_state == CALL_OUTGOING ? other_end(caller, cs, &callee) : NULL;
    long ringing_id = ringing && ringing->call_state == CALL_INCOMING ? ringing->id : 0;

    session* s = open_session(in, new_session_id(in)); /* moves the sessions of `in`: ids from here on */
    if (!s)
        return ECoreStackFailure;
    long id = s->id;
    *s = (session){.id = id, .call_state = CALL_OUTGOING, .outgoing = true, .video = videoCall};
    FIRE(in, STUB_EV_inviteTrying, 0, A_L(id));
    if (!ringing_id) {
        fail_call(in, id, replaceDialogId, 481);
        return id;
    }
    FIRE(callee, STUB_EV_inviteClosed, 0, A_L(ringing_id));
    close_session(callee, ringing_id);
    cs = find_session(caller, caller_id);
    s = find_session(in, id);
    *s = (session){.id = id, .peer = caller->serial, .peer_id = caller_id, .call_state = CALL_INCOMING,
                   .video = videoCall && cs->video}; /* the picker answers the caller's call */
    cs->peer = in->serial;
    cs->peer_id = id;
    dialog d = dialog_of(in, s);
    char* ok = session_text_sdp(in, s, 200, "INVITE");
    FIRE(in, STUB_EV_inviteAnswered, 0, A_L(id), A_S(d.caller_name), A_S(d.caller), A_S(d.callee_name), A_S(d.callee),
         A_S(audio_codecs(s)), A_S(video_codecs(s)), A_B(true), A_B(s->video), A_S(nz(ok)));
    free(ok);
    local_connect_call(in, id, videoCall);
    return id;
}

long PortSIP_pickupBLFCall(void* sdk, const char* replaceDialogId, bool videoCall)
{
    STUB_ENTER(in, sdk, J_STR("replaceDialogId", replaceDialogId), J_BOOL("videoCall", videoCall));
    long rc = pickup_locked(in, replaceDialogId, videoCall);
    STUB_LEAVE(rc);
}

/* ======================================================================== in-call requests */

int PortSIP_sendDtmf(void* sdk, long sessionId, int dtmfMethod, int code, int dtmfDuration, bool playDtmfTone)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_INT("dtmfMethod", dtmfMethod), J_INT("code", code),
               J_INT("dtmfDuration", dtmfDuration), J_BOOL("playDtmfTone", playDtmfTone));
    session* s = NULL;
    int rc = 0;
    if (dtmfMethod != 0 && dtmfMethod != 1) /* enums.tsv: DTMF_RFC2833, DTMF_INFO */
        rc = ECoreArgumentIncorrect;
    else if (code < 0 || code > MAX_DTMF_TONE)
        rc = ECoreWrongDTMFTone;
    else if (dtmfDuration <= 0) /* stub's choice: a tone lasts some samples (manual: 160 recommended) */
        rc = ECoreArgumentIncorrect;
    else
        rc = call_session(in, sessionId, CALL_CONNECTED, &s);
    if (!rc) /* playDtmfTone is a local sound */
        rc = net_call_dtmf(in, s, dtmfMethod, code, dtmfDuration);
    STUB_LEAVE(rc);
}

int PortSIP_sendInfo(void* sdk, long sessionId, const char* mimeType, const char* subMimeType, const char* infoContents)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_STR("mimeType", mimeType), J_STR("subMimeType", subMimeType),
               J_STR("infoContents", infoContents));
    session* s;
    int rc = !mimeType || !subMimeType || !infoContents ? ECoreArgumentNull : call_session(in, sessionId, CALL_CONNECTED, &s);
    if (!rc) { /* manual: the remote side gets recvInfo with the whole INFO message */
        char* type = str_printf("%s/%s", mimeType, subMimeType);
        net_call_info(in, s, nz(type), infoContents);
        free(type);
    }
    STUB_LEAVE(rc);
}

/* In process: the INFO reaches the other end of the call as recvInfo. */
void local_info(instance* in, const session* s, const char* content_type, const char* body)
{
    instance* peer;
    const session* ps = other_end(in, s, &peer);
    if (!ps)
        return;
    char* info = session_text(in, s, 0, "INFO", NULL, content_type, body);
    FIRE(peer, STUB_EV_recvInfo, 0, A_S(nz(info)));
    free(info);
}

int PortSIP_sendOptions(void* sdk, const char* to, const char* sdp)
{
    STUB_ENTER(in, sdk, J_STR("to", to), J_STR("sdp", sdp));
    int rc = check_target(to);
    instance* t = rc ? NULL : find_target_locked(to);
    if (t) { /* manual: the target gets recvOptions with the whole message. Stub's choice: OPTIONS to
                an unknown user is lost (v17.1 has no event for its answer). sdp is optional. */
        bool has_sdp = sdp && *sdp;
        char* options = request_text(in, to, "options", "OPTIONS", "Accept: application/sdp\r\n", "application/sdp",
                                     has_sdp ? sdp : NULL);
        FIRE(t, STUB_EV_recvOptions, 0, A_S(nz(options)));
        free(options);
    }
    STUB_LEAVE(rc);
}

/* ======================================================================== call settings */

int PortSIP_enableCallForward(void* sdk, bool forBusyOnly, const char* forwardTo)
{
    STUB_ENTER(in, sdk, J_BOOL("forBusyOnly", forBusyOnly), J_STR("forwardTo", forwardTo));
    int rc = check_target(forwardTo);
    if (!rc) {
        set_str(&in->calls.forward_to, forwardTo);
        in->calls.forward_busy_only = forBusyOnly;
    }
    STUB_LEAVE(rc);
}

int PortSIP_disableCallForward(void* sdk)
{
    STUB_ENTER0(in, sdk);
    free(in->calls.forward_to);
    in->calls.forward_to = NULL;
    STUB_LEAVE(0);
}

void PortSIP_setDoNotDisturb(void* sdk, bool state)
{
    STUB_ENTER_VOID(in, sdk, J_BOOL("state", state));
    in->calls.do_not_disturb = state;
    STUB_LEAVE_VOID();
}

int PortSIP_enableEarlyMedia(void* sdk, bool enable)
{
    STUB_ENTER(in, sdk, J_BOOL("enable", enable));
    in->calls.early_media = enable; /* our calls get inviteSessionProgress (183) before ringing */
    STUB_LEAVE(0);
}

int PortSIP_enableReliableProvisional(void* sdk, bool enable)
{
    STUB_ENTER(in, sdk, J_BOOL("enable", enable));
    in->calls.reliable_provisional = enable; /* our INVITEs say "Require: 100rel" */
    STUB_LEAVE(0);
}

int PortSIP_enableSessionTimer(void* sdk, int timerSeconds, int refreshMode)
{
    STUB_ENTER(in, sdk, J_INT("timerSeconds", timerSeconds), J_INT("refreshMode", refreshMode));
    int rc = 0;
    if (timerSeconds < MIN_SESSION_TIMER)
        rc = ECoreSessionTimerValueTooSmall;
    else if (refreshMode < 0 || refreshMode > 3) /* enums.tsv: SESSION_REFERESH_UAC .. _REMOTE */
        rc = ECoreArgumentIncorrect;
    else { /* our INVITEs carry Session-Expires; the stub never needs to refresh */
        in->calls.session_timer = timerSeconds;
        in->calls.refresh_mode = refreshMode;
    }
    STUB_LEAVE(rc);
}

int PortSIP_disableSessionTimer(void* sdk)
{
    STUB_ENTER0(in, sdk);
    in->calls.session_timer = 0;
    STUB_LEAVE(0);
}
