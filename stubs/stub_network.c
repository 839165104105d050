/*
 * stub_network.c - Transport and media network settings (3GPP tags, rport, keep-alives, RTP/RTCP port ranges,
 * SRTP) and the host's network interfaces. Nothing is sent anywhere: settings are checked and recorded.
 */
#include "stub_internal.h"

/* Stub's choice: the host has two interfaces, with documentation addresses (RFC 5737, RFC 3849). */
static const char* const local_ips[] = {"192.0.2.10", "2001:db8::10"};
#define NIC_COUNT ((int)(sizeof local_ips / sizeof local_ips[0]))
#define MIN_IP_BUFFER 32 /* manual: the ip buffer cannot be smaller */

int PortSIP_enable3GppTags(void* sdk, bool enable)
{
    STUB_ENTER(in, sdk, J_BOOL("enable", enable));
    STUB_LEAVE(0);
}

int PortSIP_enableRport(void* sdk, bool enable)
{
    STUB_ENTER(in, sdk, J_BOOL("enable", enable));
    STUB_LEAVE(0);
}

int PortSIP_setKeepAliveTime(void* sdk, int keepAliveTime)
{
    STUB_ENTER(in, sdk, J_INT("keepAliveTime", keepAliveTime));
    STUB_LEAVE(keepAliveTime < 0 ? ECoreArgumentIncorrect : 0); /* manual: seconds, 0 disables */
}

int PortSIP_setRtpKeepAlive(void* sdk, bool state, int keepAlivePayloadType, int deltaTransmitTimeMS)
{
    STUB_ENTER(in, sdk, J_BOOL("state", state), J_INT("keepAlivePayloadType", keepAlivePayloadType),
               J_INT("deltaTransmitTimeMS", deltaTransmitTimeMS));
    int rc = 0; /* when switching off, the other arguments do not matter (stub's choice) */
    if (state && (keepAlivePayloadType < 0 || keepAlivePayloadType > 127)) /* RTP payload types are 7 bits */
        rc = ECorePayloadOutofRange;
    else if (state && deltaTransmitTimeMS <= 0)
        rc = ECoreArgumentIncorrect;
    STUB_LEAVE(rc);
}

/* Port ranges. Each bound must be a port (1-65535), each range hold at least 4 ports (manual: more
 * than 4 per call line; the stub does not count lines), and the audio and video ranges must not
 * overlap. RTP ports must be even (RFC 3550: RTCP takes the odd port above), so `rtp` adds that rule. */
static int port_ranges(int minAudio, int maxAudio, int minVideo, int maxVideo, bool rtp)
{
    if (minAudio <= 0 || minAudio > 65535)
        return ECoreMiniAudioPortOutOfRange;
    if (maxAudio <= 0 || maxAudio > 65535)
        return ECoreMaxAudioPortOutOfRange;
    if (minVideo <= 0 || minVideo > 65535)
        return ECoreMiniVideoPortOutOfRange;
    if (maxVideo <= 0 || maxVideo > 65535)
        return ECoreMaxVideoPortOutOfRange;
    if (rtp && minAudio % 2)
        return ECoreMiniAudioPortNotEvenNumber;
    if (rtp && maxAudio % 2)
        return ECoreMaxAudioPortNotEvenNumber;
    if (rtp && minVideo % 2)
        return ECoreMiniVideoPortNotEvenNumber;
    if (rtp && maxVideo % 2)
        return ECoreMaxVideoPortNotEvenNumber;
    if (maxAudio - minAudio < 4 || maxVideo - minVideo < 4)
        return ECoreAudioVideoPortRangeTooSmall;
    if (minAudio <= maxVideo && minVideo <= maxAudio)
        return ECoreAudioVideoPortOverlapped;
    return 0;
}

int PortSIP_setRtpPortRange(void* sdk, int minimumRtpAudioPort, int maximumRtpAudioPort, int minimumRtpVideoPort,
                            int maximumRtpVideoPort)
{
    STUB_ENTER(in, sdk, J_INT("minimumRtpAudioPort", minimumRtpAudioPort), J_INT("maximumRtpAudioPort", maximumRtpAudioPort),
               J_INT("minimumRtpVideoPort", minimumRtpVideoPort), J_INT("maximumRtpVideoPort", maximumRtpVideoPort));
    STUB_LEAVE(port_ranges(minimumRtpAudioPort, maximumRtpAudioPort, minimumRtpVideoPort, maximumRtpVideoPort, true));
}

int PortSIP_setRtcpPortRange(void* sdk, int minimumRtcpAudioPort, int maximumRtcpAudioPort, int minimumRtcpVideoPort,
                             int maximumRtcpVideoPort)
{
    STUB_ENTER(in, sdk, J_INT("minimumRtcpAudioPort", minimumRtcpAudioPort),
               J_INT("maximumRtcpAudioPort", maximumRtcpAudioPort), J_INT("minimumRtcpVideoPort", minimumRtcpVideoPort),
               J_INT("maximumRtcpVideoPort", maximumRtcpVideoPort));
    STUB_LEAVE(port_ranges(minimumRtcpAudioPort, maximumRtcpAudioPort, minimumRtcpVideoPort, maximumRtcpVideoPort, false));
}

int PortSIP_setSrtpPolicy(void* sdk, int srtpPolicy, bool AllowSrtpOverUnsecureTransport)
{
    STUB_ENTER(in, sdk, J_INT("srtpPolicy", srtpPolicy), J_BOOL("AllowSrtpOverUnsecureTransport", AllowSrtpOverUnsecureTransport));
    STUB_LEAVE(srtpPolicy < 0 || srtpPolicy > 2 ? ECoreArgumentIncorrect : 0); /* enums.tsv: SRTP_POLICY 0-2 */
}

/* No SDK handle: recorded in the process-wide journal, usable before initialize. */
int PortSIP_getNICNums(void)
{
    STUB_ENTER_PROCESS0();
    STUB_LEAVE(NIC_COUNT);
}

int PortSIP_getLocalIpAddress(int index, char* ip, int ipSize)
{
    STUB_ENTER_PROCESS(J_INT("index", index), J_INT("ipSize", ipSize));
    int rc;
    if (!ip)
        rc = ECoreArgumentNull;
    else if (index < 0 || index >= NIC_COUNT) /* manual: 0 is the first interface */
        rc = ECoreNetworkInterfaceUnavailable;
    else if (ipSize < MIN_IP_BUFFER)
        rc = ECoreBufferTooSmall;
    else
        rc = text_out(local_ips[index], strlen(local_ips[index]), ip, ipSize);
    STUB_LEAVE(rc);
}
