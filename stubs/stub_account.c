/*
 * stub_account.c - The user (PortSIP_setUser) and its registration.
 */
#include "stub_internal.h"

int PortSIP_setUser(void* sdk, const char* userName, const char* displayName, const char* authName, const char* password,
                    const char* sipDomain, const char* sipServerAddr, int sipServerPort, const char* stunServerAddr,
                    int stunServerPort, const char* outboundServerAddr, int outboundServerPort)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_STR("userName", userName), J_STR("displayName", displayName), J_STR("authName", authName),
           J_STR("password", password), J_STR("sipDomain", sipDomain), J_STR("sipServerAddr", sipServerAddr),
           J_INT("sipServerPort", sipServerPort), J_STR("stunServerAddr", stunServerAddr),
           J_INT("stunServerPort", stunServerPort), J_STR("outboundServerAddr", outboundServerAddr),
           J_INT("outboundServerPort", outboundServerPort));
    int rc = ECoreUserNameAuthNameEmpty;
    if (userName && *userName) {
        /* Other fields may be NULL or empty: P2P mode needs no server. */
        set_str(&in->user, userName);
        set_str(&in->display, displayName);
        set_str(&in->domain, sipDomain);
        free(in->uri);
        in->uri = *nz(sipDomain) ? str_printf("sip:%s@%s", userName, sipDomain) : str_printf("sip:%s", userName);
        rc = 0;
    }
    ps_mutex_unlock(&g_mu);
    return rc;
}

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

static int register_locked(instance* in, int regExpires, int retryTimes)
{
    if (!in->user) /* stub's choice: registering before setUser reports the missing user name */
        return ECoreUserNameAuthNameEmpty;
    if (regExpires < 0 || retryTimes < 0)
        return ECoreArgumentIncorrect;
    /* Manual: the result arrives later as registerSuccess / registerFailure. */
    script sc = in->register_script; /* consume a scripted outcome, if any */
    in->register_script = (script){0};
    int code = sc.set ? sc.code : 200;
    const char* reason = sc.set ? nz(sc.reason) : "OK";
    char* msg = register_response(in, code, reason, is_2xx(code) ? regExpires : 0);
    in->registered = is_2xx(code);
    FIRE(in, is_2xx(code) ? STUB_EV_registerSuccess : STUB_EV_registerFailure, REGISTER_DELAY_MS, A_S(reason), A_I(code),
         A_S(nz(msg)));
    free(msg);
    script_clear(&sc);
    return 0;
}

int PortSIP_registerServer(void* sdk, int regExpires, int retryTimes)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD(in, J_INT("regExpires", regExpires), J_INT("retryTimes", retryTimes));
    int rc = register_locked(in, regExpires, retryTimes);
    ps_mutex_unlock(&g_mu);
    return rc;
}

int PortSIP_unRegisterServer(void* sdk)
{
    instance* in = lock_live(sdk);
    if (!in)
        return dead_handle(sdk);
    RECORD0(in);
    in->registered = false; /* stub's choice: no event for unregistering */
    ps_mutex_unlock(&g_mu);
    return 0;
}

