/*
 * stub_conference.c - The instance's conference (manual: one at a time, audio or video) and its members,
 * and the test control that reads them back (stub_conference).
 *
 * Mixing is local media: nothing is signalled, so the stub only keeps who is in the conference. A
 * session leaves it when its call ends.
 */
#include "stub_internal.h"

/* Manual: creating fails while a conference exists. Stub's choice of code: the vendor's
 * EAudioCreateAudioConferenceFailure, for video too. */
static int create_conference(instance* in, int kind, void* window)
{
    if (in->calls.conference != CONFERENCE_NONE)
        return EAudioCreateAudioConferenceFailure;
    in->calls.conference = kind;
    in->calls.conference_window = window;
    return 0;
}

int PortSIP_createAudioConference(void* sdk)
{
    STUB_ENTER0(in, sdk);
    int rc = create_conference(in, CONFERENCE_AUDIO, NULL);
    STUB_LEAVE(rc);
}

int PortSIP_createVideoConference(void* sdk, void* conferenceVideoWindow, int width, int height,
                                  bool displayLocalVideoInConference)
{
    STUB_ENTER(in, sdk, J_HANDLE("conferenceVideoWindow", conferenceVideoWindow), J_INT("width", width),
               J_INT("height", height), J_BOOL("displayLocalVideoInConference", displayLocalVideoInConference));
    /* Stub's choice: a video conference needs a size; the window may be NULL (no local display). */
    int rc = width <= 0 || height <= 0 ? ECoreArgumentIncorrect : create_conference(in, CONFERENCE_VIDEO, conferenceVideoWindow);
    STUB_LEAVE(rc);
}

void PortSIP_destroyConference(void* sdk)
{
    STUB_ENTER0_VOID(in, sdk);
    in->calls.conference = CONFERENCE_NONE;
    in->calls.conference_window = NULL;
    session* s = in->sessions.items;
    for (size_t i = 0; i < in->sessions.n; i++)
        s[i].in_conference = false;
    STUB_LEAVE_VOID();
}

int PortSIP_setConferenceVideoWindow(void* sdk, void* videoWindow)
{
    STUB_ENTER(in, sdk, J_HANDLE("videoWindow", videoWindow));
    in->calls.conference_window = videoWindow; /* stub's choice: kept for the next conference too */
    STUB_LEAVE(0);
}

/* The conference exists and `id` is a session of ours in the state `state` (ANY_STATE: any).
 * Stub's choice of code when there is no conference: ECoreArgumentIncorrect. */
static int conference_session(instance* in, long id, int state, session** s)
{
    int rc = call_session(in, id, state, s);
    return rc ? rc : in->calls.conference == CONFERENCE_NONE ? ECoreArgumentIncorrect : 0;
}

int PortSIP_joinToConference(void* sdk, long sessionId)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId));
    session* s;
    int rc = conference_session(in, sessionId, CALL_CONNECTED, &s);
    if (!rc) {
        s->in_conference = true; /* joining twice changes nothing */
        if (s->held) /* manual: a call on hold is taken off hold when it joins */
            net_call_hold(in, s, false);
    }
    STUB_LEAVE(rc);
}

int PortSIP_removeFromConference(void* sdk, long sessionId)
{
    STUB_ENTER(in, sdk, J_LONG("sessionId", sessionId));
    session* s;
    int rc = conference_session(in, sessionId, ANY_STATE, &s);
    if (!rc && !s->in_conference) /* stub's choice: removing a session that is not a member */
        rc = ECoreArgumentIncorrect;
    if (!rc)
        s->in_conference = false;
    STUB_LEAVE(rc);
}

/* ======================================================================== control API */

int stub_conference(void* sdk, int* kind, long* sessionIds, int capacity)
{
    instance* in = lock_live(sdk);
    if (!in)
        return ECoreNotInitialized;
    if (kind)
        *kind = in->calls.conference;
    int members = 0;
    const session* s = in->sessions.items;
    for (size_t i = 0; i < in->sessions.n; i++)
        if (s[i].in_conference) {
            if (sessionIds && members < capacity)
                sessionIds[members] = s[i].id;
            members++;
        }
    unlock_registry();
    return members;
}
