/*
 * stub_transfer.c - REFER: blind and attended transfer, in and out of dialog, and the referee's answer.
 *
 * Manual (and the vendor's sample): A, in a call with B, refers B to C; B gets receivedRefer with a
 * refer id, and acceptRefer(referId, ...) makes B call C: a new session with the usual call events.
 * A hears referAccepted, then transferTrying / transferRinging, then ACTVTransferSuccess when C
 * answers or ACTVTransferFailure when the call to C fails (stub_calls.c reports these). rejectRefer
 * gives A referRejected. An attended transfer also names a call of A's to replace: B's call to C
 * carries Replaces and takes over C's call with A.
 */
#include "stub_internal.h"

#define REFER_REJECT_CODE 603 /* stub's choice: rejectRefer answers "603 Decline" */

static refer* find_refer(const instance* in, long id, size_t* index)
{
    refer* r = in->calls.refers.items;
    for (size_t i = 0; i < in->calls.refers.n; i++)
        if (r[i].id == id) {
            *index = i;
            return &r[i];
        }
    return NULL;
}

static void forget_refer(instance* in, size_t index)
{
    free(((refer*)in->calls.refers.items)[index].refer_to);
    vec_remove(&in->calls.refers, index, sizeof(refer));
}

/* The REFER as the referee receives it (manual: pass it to acceptRefer): in the call of session s, or
 * (s NULL) out of dialog to `target`. */
static char* refer_text(instance* from, const session* s, const char* target, const char* referTo, long replaceSessionId)
{
    char* replaces = replaceSessionId ? str_printf("?Replaces=stub-call-%llu-%ld", from->serial, replaceSessionId) : NULL;
    char* headers = str_printf("Refer-To: <%s%s>\r\nReferred-By: <%s>\r\n", referTo, nz(replaces), nz(from->uri));
    char* text = s ? call_message(from, s, true, "REFER", headers, NULL, NULL)
                   : request_text(from, target, "refer", "REFER", headers, NULL, NULL);
    free(headers);
    free(replaces);
    return text;
}

/* `t` receives a REFER from `from`: it gets receivedRefer with a new refer id (the session id is its
 * end of the call, 0 out of dialog). */
static int deliver_refer(instance* t, long session_id, const instance* from, long from_session, const char* referTo,
                         long replaceSessionId, const char* text)
{
    long id = new_refer_id(t);
    refer* r = vec_push(&t->calls.refers, sizeof *r);
    char* to = dup_str(referTo);
    if (!r || !to) {
        free(to);
        if (r)
            t->calls.refers.n--;
        return ECoreStackFailure;
    }
    *r = (refer){id, session_id, from->serial, from_session, to, replaceSessionId};
    FIRE(t, STUB_EV_receivedRefer, 0, A_L(session_id), A_L(id), A_S(referTo), A_S(nz(from->uri)), A_S(nz(text)));
    return 0;
}

/* A REFER inside the call `sessionId` (manual: the call must be established), optionally replacing
 * our other established call replaceSessionId (attended transfer). */
static int refer_in_dialog(instance* in, long sessionId, long replaceSessionId, const char* referTo)
{
    if (!referTo)
        return ECoreArgumentNull;
    if (!*referTo)
        return ECoreInvalidUri;
    session* s;
    int rc = call_session(in, sessionId, CALL_CONNECTED, &s);
    if (!rc)
        rc = net_call_feature();
    if (!rc && replaceSessionId) {
        session* replaced;
        rc = replaceSessionId == sessionId ? ECoreArgumentIncorrect /* stub's choice: a call cannot replace itself */
                                           : call_session(in, replaceSessionId, CALL_CONNECTED, &replaced);
    }
    if (rc)
        return rc;
    instance* peer;
    const session* ps = other_end(in, s, &peer);
    if (!ps) { /* a peerless session's implicit remote end accepts everything (stub's choice) */
        FIRE(in, STUB_EV_referAccepted, 0, A_L(sessionId));
        return 0;
    }
    char* text = refer_text(in, s, NULL, referTo, replaceSessionId);
    rc = deliver_refer(peer, ps->id, in, sessionId, referTo, replaceSessionId, text);
    free(text);
    return rc;
}

int PortSIP_refer(void* sdk, long sessionId, const char* referTo)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_STR("referTo", referTo));
    int rc = refer_in_dialog(in, sessionId, 0, referTo);
    STUB_LEAVE(rc);
}

int PortSIP_attendedRefer(void* sdk, long sessionId, long replaceSessionId, const char* referTo)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_LONG("replaceSessionId", replaceSessionId), J_STR("referTo", referTo));
    int rc = refer_in_dialog(in, sessionId, replaceSessionId, referTo);
    STUB_LEAVE(rc);
}

/* Manual: as attendedRefer, with the REFER's request line (target) and the method in Refer-To given.
 * Stub's choice: the REFER goes inside the call whatever the request line says, and the referee's call
 * replaces the other call whatever the method (the stub has no BYE-by-REFER). */
int PortSIP_attendedRefer2(void* sdk, long sessionId, long replaceSessionId, const char* replaceMethod, const char* target,
                           const char* referTo)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_LONG("replaceSessionId", replaceSessionId),
               J_STR("replaceMethod", replaceMethod), J_STR("target", target), J_STR("referTo", referTo));
    int rc = !replaceMethod || !target ? ECoreArgumentNull : refer_in_dialog(in, sessionId, replaceSessionId, referTo);
    STUB_LEAVE(rc);
}

/* Manual: a REFER outside any call, sent to `target`, asking it to call referTo replacing our call
 * replaceSessionId. The target gets receivedRefer with session id 0. Stub's choice: no referAccepted,
 * transfer* or ACTVTransfer* events come back (there is no call of ours to report them on), and a REFER
 * to an unknown user is lost (v17.1 has no event for it). */
static int refer_out_of_dialog(instance* in, long replaceSessionId, const char* replaceMethod, const char* target,
                               const char* referTo)
{
    if (!replaceMethod || !target || !referTo)
        return ECoreArgumentNull;
    if (!*target || !*referTo)
        return ECoreInvalidUri;
    session* replaced;
    int rc = call_session(in, replaceSessionId, CALL_CONNECTED, &replaced);
    instance* t = rc ? NULL : find_target_locked(target);
    if (t) {
        char* text = refer_text(in, NULL, target, referTo, replaceSessionId);
        rc = deliver_refer(t, 0, in, 0, referTo, replaceSessionId, text);
        free(text);
    }
    return rc;
}

int PortSIP_outOfDialogRefer(void* sdk, long replaceSessionId, const char* replaceMethod, const char* target,
                             const char* referTo)
{
    STUB_ENTER(in, sdk, J_LONG("replaceSessionId", replaceSessionId), J_STR("replaceMethod", replaceMethod),
               J_STR("target", target), J_STR("referTo", referTo));
    int rc = refer_out_of_dialog(in, replaceSessionId, replaceMethod, target, referTo);
    STUB_LEAVE(rc);
}

/* Manual: accepting makes a new call to the refer target and returns its session id. The referee's
 * original call stays up (the vendor's sample hangs it up itself). Stub's choice of code for a refer id
 * that is unknown or already answered: ECoreCallIdNotFound. */
static long accept_refer_locked(instance* in, long referId, const char* referSignaling)
{
    if (!referSignaling)
        return ECoreArgumentNull;
    size_t index;
    const refer* r = find_refer(in, referId, &index);
    if (!r)
        return ECoreCallIdNotFound;
    const session* original = r->session ? find_session(in, r->session) : NULL;
    call_request rq = {.to = r->refer_to,
                       .send_sdp = true,
                       .video = original && original->video,
                       .referrer = r->referrer,
                       .referrer_session = r->referrer_session,
                       .replace_session = r->replace_session};
    long id = place_call(in, &rq);
    if (id > 0)
        forget_refer(in, index);
    return id;
}

long PortSIP_acceptRefer(void* sdk, long referId, const char* referSignaling)
{
    STUB_ENTER(in, sdk, J_LONG("referId", referId), J_STR("referSignaling", referSignaling));
    long rc = accept_refer_locked(in, referId, referSignaling);
    STUB_LEAVE(rc);
}

int PortSIP_rejectRefer(void* sdk, long referId)
{
    STUB_ENTER(in, sdk, J_LONG("referId", referId));
    size_t index;
    const refer* r = find_refer(in, referId, &index);
    int rc = r ? 0 : ECoreCallIdNotFound;
    if (r) { /* manual: the referrer gets referRejected */
        instance* referrer = r->referrer_session ? by_serial_locked(r->referrer) : NULL;
        if (referrer && find_session(referrer, r->referrer_session))
            FIRE(referrer, STUB_EV_referRejected, 0, A_L(r->referrer_session), A_S("Decline"), A_I(REFER_REJECT_CODE));
        forget_refer(in, index);
    }
    STUB_LEAVE(rc);
}
