/*
 * stub_headers.c - SIP headers the application adds to or modifies in outgoing messages, reading a header
 * out of a SIP message text (PortSIP_getSipMessageHeaderValue), and the signaling callback switches.
 */
#include "stub_internal.h"

void sip_header_free(sip_header* h)
{
    free(h->method);
    free(h->name);
    free(h->value);
}

/* RFC 3261 token characters: what a header name may consist of. */
static bool is_token(const char* s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("-.!%*_+`'~", *s))
            return false;
    return true;
}

static long add_header_locked(instance* in, bool modified, long sessionId, const char* methodName, int msgType,
                              const char* headerName, const char* headerValue)
{
    if (!methodName || !headerName || !headerValue)
        return ECoreArgumentNull;
    if (!*headerName)
        return ECoreSipHeaderNameEmpty;
    if (!*headerValue)
        return ECoreSipHeaderValueEmpty;
    /* stub's choice: a header that would break the message (a name that is no token, a line break
     * in the value) is refused rather than sent */
    if (!is_token(headerName) || strpbrk(headerValue, "\r\n"))
        return ECoreSipHeaderBadFormed;
    if (!*methodName || msgType < 1 || msgType > 3) /* manual: a method or "ALL"; 1 requests, 2 responses, 3 both */
        return ECoreArgumentIncorrect;
    if (sessionId != -1 && !find_session(in, sessionId)) /* manual: -1 means every session */
        return ECoreInviteSessionNotFound;
    sip_header* h = vec_push(&in->sip_headers, sizeof *h);
    if (!h)
        return ECoreStackFailure;
    *h = (sip_header){new_header_id(in), modified, sessionId, msgType, dup_str(methodName), dup_str(headerName),
                      dup_str(headerValue)};
    return h->id;
}

/* Manual: remove by the id add/modify returned; the id of the other kind is not found. */
static int remove_header_locked(instance* in, bool modified, long id)
{
    sip_header* h = in->sip_headers.items;
    for (size_t i = 0; i < in->sip_headers.n; i++)
        if (h[i].id == id && h[i].modified == modified) {
            sip_header_free(&h[i]);
            vec_remove(&in->sip_headers, i, sizeof *h);
            return 0;
        }
    return ECoreSipHeaderNotExist;
}

static void clear_headers_locked(instance* in, bool modified)
{
    sip_header* h = in->sip_headers.items;
    for (size_t i = in->sip_headers.n; i-- > 0;)
        if (h[i].modified == modified) {
            sip_header_free(&h[i]);
            vec_remove(&in->sip_headers, i, sizeof *h);
        }
}

int PortSIP_addSipMessageHeader(void* sdk, long sessionId, const char* methodName, int msgType, const char* headerName,
                                const char* headerValue)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_STR("methodName", methodName), J_INT("msgType", msgType),
               J_STR("headerName", headerName), J_STR("headerValue", headerValue));
    STUB_LEAVE(add_header_locked(in, false, sessionId, methodName, msgType, headerName, headerValue));
}

int PortSIP_removeAddedSipMessageHeader(void* sdk, long sipMessageHeaderId)
{
    STUB_ENTER(in, sdk, J_LONG("sipMessageHeaderId", sipMessageHeaderId));
    STUB_LEAVE(remove_header_locked(in, false, sipMessageHeaderId));
}

void PortSIP_clearAddedSipMessageHeaders(void* sdk)
{
    STUB_ENTER0_VOID(in, sdk);
    clear_headers_locked(in, false);
    STUB_LEAVE_VOID();
}

int PortSIP_modifySipMessageHeader(void* sdk, long sessionId, const char* methodName, int msgType, const char* headerName,
                                   const char* headerValue)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId), J_STR("methodName", methodName), J_INT("msgType", msgType),
               J_STR("headerName", headerName), J_STR("headerValue", headerValue));
    STUB_LEAVE(add_header_locked(in, true, sessionId, methodName, msgType, headerName, headerValue));
}

int PortSIP_removeModifiedSipMessageHeader(void* sdk, long sipMessageHeaderId)
{
    STUB_ENTER(in, sdk, J_LONG("sipMessageHeaderId", sipMessageHeaderId));
    STUB_LEAVE(remove_header_locked(in, true, sipMessageHeaderId));
}

void PortSIP_clearModifiedSipMessageHeaders(void* sdk)
{
    STUB_ENTER0_VOID(in, sdk);
    clear_headers_locked(in, true);
    STUB_LEAVE_VOID();
}

/* ======================================================================== reading a header */

/* RFC 3261 7.3.3 (and RFC 3515, 4538, 6665, 4028): the compact forms of header names. */
static const char* const compact_forms[][2] = {
    {"i", "Call-ID"}, {"m", "Contact"}, {"e", "Content-Encoding"}, {"l", "Content-Length"}, {"c", "Content-Type"},
    {"f", "From"}, {"s", "Subject"}, {"k", "Supported"}, {"t", "To"}, {"v", "Via"}, {"o", "Event"},
    {"r", "Refer-To"}, {"b", "Referred-By"}, {"u", "Allow-Events"}, {"x", "Session-Expires"},
};

/* The full form of a header name (its compact form expanded). */
static span full_name(span name)
{
    for (size_t i = 0; name.n == 1 && i < sizeof compact_forms / sizeof compact_forms[0]; i++)
        if (tolower((unsigned char)name.p[0]) == compact_forms[i][0][0])
            return (span){compact_forms[i][1], strlen(compact_forms[i][1])};
    return name;
}

/* Header names compare case-insensitively, a compact form equal to its full form. */
static bool header_name_matches(span a, span b)
{
    a = full_name(a);
    b = full_name(b);
    return a.n == b.n && ascii_ieq(a.p, b.p, a.n);
}

static span trim(span s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

/* The next line of `*rest` (CRLF or LF ends it), without its line break. */
static span next_line(span* rest)
{
    const char* nl = memchr(rest->p, '\n', rest->n);
    size_t n = nl ? (size_t)(nl - rest->p) : rest->n;
    span line = {rest->p, n};
    rest->p += nl ? n + 1 : n;
    rest->n -= nl ? n + 1 : n;
    if (line.n && line.p[line.n - 1] == '\r')
        line.n--;
    return line;
}

/* The value of the first header called `name` in the header section of `message` (the lines after the
 * start line, up to the first empty line), with folded continuation lines joined by one space. Returns
 * a new string, or NULL with *rc set: ECoreSipHeaderNotExist, ECoreStackFailure (memory). */
static char* header_value(const char* message, const char* name, int* rc)
{
    span rest = {message, strlen(message)};
    span wanted = {name, strlen(name)};
    next_line(&rest); /* the request or status line */
    char* value = NULL;
    size_t used = 0;
    while (rest.n) {
        span line = next_line(&rest);
        if (!line.n)
            break; /* the body starts */
        bool folded = line.p[0] == ' ' || line.p[0] == '\t';
        if (value && !folded)
            break; /* the header found ends here */
        span part;
        if (value) {
            part = trim(line);
        } else {
            const char* colon = folded ? NULL : memchr(line.p, ':', line.n);
            if (!colon || !header_name_matches(trim((span){line.p, (size_t)(colon - line.p)}), wanted))
                continue;
            part = trim((span){colon + 1, line.n - (size_t)(colon + 1 - line.p)});
        }
        char* grown = realloc(value, used + part.n + 2);
        if (!grown) {
            free(value);
            *rc = ECoreStackFailure;
            return NULL;
        }
        value = grown;
        if (used && part.n)
            value[used++] = ' ';
        memcpy(value + used, part.p, part.n);
        used += part.n;
        value[used] = '\0';
    }
    if (!value)
        *rc = ECoreSipHeaderNotExist;
    return value;
}

static int get_header_value(const char* sipMessage, const char* headerName, char* headerValue,
                                   int headerValueLength)
{
    if (!sipMessage || !headerName || !headerValue)
        return ECoreArgumentNull;
    if (!*sipMessage)
        return ECoreSipMessaegEmpty; /* the vendor's spelling */
    if (!*headerName)
        return ECoreSipHeaderNameEmpty;
    int rc = 0;
    char* value = header_value(sipMessage, headerName, &rc);
    if (value)
        rc = text_out(value, strlen(value), headerValue, headerValueLength);
    free(value);
    return rc;
}

int PortSIP_getSipMessageHeaderValue(void* sdk, const char* sipMessage, const char* headerName, char* headerValue,
                                     int headerValueLength)
{
    STUB_ENTER(in, sdk, J_STR("sipMessage", sipMessage), J_STR("headerName", headerName),
               J_INT("headerValueLength", headerValueLength));
    STUB_LEAVE(get_header_value(sipMessage, headerName, headerValue, headerValueLength));
}

void PortSIP_enableCallbackSignaling(void* sdk, bool enableSending, bool enableReceived)
{
    STUB_ENTER_VOID(in, sdk, J_BOOL("enableSending", enableSending), J_BOOL("enableReceived", enableReceived));
    /* Kept for the SIP simulation to consult; the stub reports no SIP message of its own yet. */
    in->signaling_sending = enableSending;
    in->signaling_received = enableReceived;
    STUB_LEAVE_VOID();
}
