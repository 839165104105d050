/*
 * stub_messaging.c - SIP MESSAGE in and out of dialog: the API, its checks and ids, and the accepted MIME
 * types. An out-of-dialog MESSAGE reaches its target through the network (net_send_message); one in a call
 * goes to the other end of the session.
 */
#include "stub_internal.h"

int PortSIP_addSupportedMimeType(void* sdk, const char* methodName, const char* mimeType, const char* subMimeType)
{
    STUB_ENTER(in, sdk, J_STR("methodName", methodName), J_STR("mimeType", mimeType), J_STR("subMimeType", subMimeType));
    int rc = ECoreArgumentNull;
    if (methodName && mimeType && subMimeType) {
        mime_type* m = vec_push(&in->mimes, sizeof *m);
        if (m) {
            *m = (mime_type){dup_str(methodName), dup_str(mimeType), dup_str(subMimeType)};
            if (!m->method || !m->type || !m->sub) { /* out of memory: forget it again */
                free(m->method);
                free(m->type);
                free(m->sub);
                in->mimes.n--;
            }
        }
        rc = 0;
    }
    STUB_LEAVE(rc);
}

/* Argument checks shared by both sends (manual: the MIME type comes in two parts, the body is
 * bytes + length). */
static int check_body(const char* mimeType, const char* subMimeType, const unsigned char* message, int messageLength)
{
    if (!mimeType || !subMimeType)
        return ECoreArgumentNull;
    if (messageLength < 0 || (!message && messageLength > 0))
        return ECoreArgumentIncorrect;
    return 0;
}

/* receiver: the instance the MESSAGE reaches, or NULL (then none_code/none_reason apply). A scripted
 * outcome (stub_script_next_send) is consumed: a failure replaces everything and delivers nothing;
 * a 2xx only delays the sender's success (delivery happens as it would). */
fate message_fate(instance* in, const instance* receiver, int none_code, const char* none_reason, const char* mimeType,
                  const char* subMimeType)
{
    fate f = {200, "OK", 0, false, in->send_script};
    in->send_script = (script){0};
    if (!receiver) {
        f.code = none_code;
        f.reason = none_reason;
    } else if (!accepts_mime(receiver, mimeType, subMimeType)) {
        f.code = 415; /* manual: other types are not delivered to the application */
        f.reason = "Unsupported Media Type";
    } else {
        f.deliver = true;
    }
    if (f.sc.set) {
        f.delay_ms = f.sc.delay_ms;
        f.code = f.sc.code;
        if (!is_2xx(f.sc.code)) {
            f.reason = nz(f.sc.reason);
            f.deliver = false;
        }
    }
    return f;
}

static long send_out_of_dialog_locked(instance* in, const char* to, const char* mimeType, const char* subMimeType,
                                      bool isSMS, const unsigned char* message, int messageLength)
{
    if (!to || !mimeType || !subMimeType)
        return ECoreArgumentNull;
    if (!*to)
        return ECoreInvalidUri;
    int rc = check_body(mimeType, subMimeType, message, messageLength);
    if (!rc)
        rc = net_check_uri(to);
    if (!rc)
        rc = net_check_message(in, mimeType, subMimeType, messageLength);
    if (rc)
        return rc;
    /* Manual: the send returns a positive id; the outcome arrives later carrying that id. */
    long id = new_message_id(in);
    net_send_message(in, id, to, mimeType, subMimeType, isSMS, message, messageLength);
    return id;
}

long PortSIP_sendOutOfDialogMessage(void* sdk, const char* to, const char* mimeType, const char* subMimeType, bool isSMS,
                                    const unsigned char* message, int messageLength)
{
    STUB_ENTER(in, sdk, J_STR("to", to), J_STR("mimeType", mimeType), J_STR("subMimeType", subMimeType), J_BOOL("isSMS", isSMS),
           J_DATA("message", message, messageLength), J_INT("messageLength", messageLength));
    long rc = send_out_of_dialog_locked(in, to, mimeType, subMimeType, isSMS, message, messageLength);
    STUB_LEAVE(rc);
}

static long send_in_dialog_locked(instance* in, long sessionId, const char* mimeType, const char* subMimeType,
                                  const unsigned char* message, int messageLength)
{
    int rc = check_body(mimeType, subMimeType, message, messageLength);
    if (rc)
        return rc;
    const session* s = find_session(in, sessionId);
    if (!s) /* stub's choice of vendor code for a session that is not open */
        return ECoreInviteSessionNotFound;
    rc = net_check_message(in, mimeType, subMimeType, messageLength);
    if (rc)
        return rc;
    long id = new_message_id(in);
    /* Manual: sendMessage is sendOutOfDialogMessage inside an established call. */
    net_call_message(in, s, id, mimeType, subMimeType, message, messageLength);
    return id;
}

long PortSIP_sendMessage(void* sdk, long sessionId, const char* mimeType, const char* subMimeType,
                         const unsigned char* message, int messageLength)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_STR("mimeType", mimeType), J_STR("subMimeType", subMimeType),
           J_DATA("message", message, messageLength), J_INT("messageLength", messageLength));
    long rc = send_in_dialog_locked(in, sessionId, mimeType, subMimeType, message, messageLength);
    STUB_LEAVE(rc);
}
