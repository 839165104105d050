/*
 * stub_account.c - The user (PortSIP_setUser) and its registration: the API and its checks. The REGISTER
 * itself is the network's (net_register: stub_local.c in process, stubs/wire/ on the wire).
 */
#include "stub_internal.h"

int PortSIP_setUser(void* sdk, const char* userName, const char* displayName, const char* authName, const char* password,
                    const char* sipDomain, const char* sipServerAddr, int sipServerPort, const char* stunServerAddr,
                    int stunServerPort, const char* outboundServerAddr, int outboundServerPort)
{
    STUB_ENTER(in, sdk, J_STR("userName", userName), J_STR("displayName", displayName), J_STR("authName", authName),
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
        net_account account = {userName, nz(displayName), nz(authName), nz(password), nz(sipDomain), nz(sipServerAddr),
                               sipServerPort, nz(outboundServerAddr), outboundServerPort};
        rc = net_set_user(in, &account);
    }
    STUB_LEAVE(rc);
}

static int register_locked(instance* in, int regExpires, int retryTimes)
{
    if (!in->user) /* stub's choice: registering before setUser reports the missing user name */
        return ECoreUserNameAuthNameEmpty;
    if (regExpires < 0 || retryTimes < 0)
        return ECoreArgumentIncorrect;
    /* Manual: the result arrives later as registerSuccess / registerFailure. */
    return net_register(in, regExpires, retryTimes);
}

int PortSIP_registerServer(void* sdk, int regExpires, int retryTimes)
{
    STUB_ENTER(in, sdk, J_INT("regExpires", regExpires), J_INT("retryTimes", retryTimes));
    int rc = register_locked(in, regExpires, retryTimes);
    STUB_LEAVE(rc);
}

int PortSIP_unRegisterServer(void* sdk)
{
    STUB_ENTER0(in, sdk);
    in->registered = false; /* stub's choice: no event for unregistering */
    net_unregister(in);
    STUB_LEAVE(0);
}


/* Manual: refreshes a registration that succeeded; the outcome arrives as for registerServer. */
int PortSIP_refreshRegistration(void* sdk, int regExpires)
{
    STUB_ENTER(in, sdk, J_INT("regExpires", regExpires));
    int rc = in->registered ? register_locked(in, regExpires, 0) : ECoreNotRegistered;
    STUB_LEAVE(rc);
}

/* Manual: removes the user, unregistering first if registered. Stub's choice: its calls stay up, but
 * nobody can reach it by URI until the next setUser. */
void PortSIP_removeUser(void* sdk)
{
    STUB_ENTER0_VOID(in, sdk);
    in->registered = false;
    net_unregister(in);
    char** fields[] = {&in->user, &in->display, &in->domain, &in->uri};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
    STUB_LEAVE_VOID();
}

/* Manual: the display name of our From/To headers; it shows in the events others receive from now on. */
int PortSIP_setDisplayName(void* sdk, const char* displayName)
{
    STUB_ENTER(in, sdk, J_STR("displayName", displayName));
    if (displayName)
        set_str(&in->display, displayName);
    STUB_LEAVE(displayName ? 0 : ECoreArgumentNull);
}

/* Manual: the RFC 5626 instance id of our Contact headers. Stub's choice: an empty one is refused. */
int PortSIP_setInstanceId(void* sdk, const char* uuid)
{
    STUB_ENTER(in, sdk, J_STR("uuid", uuid));
    int rc = !uuid ? ECoreArgumentNull : !*uuid ? ECoreArgumentIncorrect : 0;
    if (!rc)
        set_str(&in->instance_id, uuid);
    STUB_LEAVE(rc);
}

/* Manual: check voicemail (MWI) once registered. Stub's choice: there is no voicemail server, so no
 * waitingVoiceMessage follows; a test injects one with stub_emit. */
int PortSIP_enableAutoCheckMwi(void* sdk, bool state)
{
    STUB_ENTER(in, sdk, J_BOOL("state", state));
    in->auto_check_mwi = state;
    STUB_LEAVE(0);
}
