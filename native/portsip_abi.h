/*
 * portsip_abi.h - the PortSIP VoIP SDK v17.1 C ABI, as far as this binding uses it.
 *
 * This file is the single source of truth for the ABI:
 *   - the Python binding reads it at run time as its cffi cdef (so it is kept free of
 *     preprocessor logic other than the include guard and <stdbool.h>, which the cdef
 *     reader strips);
 *   - the stub library (stubs/) compiles against it with warnings as errors;
 *   - tools/generate.py derives the Python event classes and the stub's event table
 *     from the callback typedefs below, in this order (the order is the event index).
 *
 * Types are exactly those of the vendor's import library (portsip_sdk.lib): `long` where the
 * vendor says long (32-bit on Windows x64, 64-bit on Linux/macOS x86-64), one-byte `bool`,
 * `int` elsewhere; every function and callback is __cdecl. Parameter names are the vendor's.
 * tests/test_abi.py checks every declaration against the facts in tests/data/.
 *
 * Vendor order of use: create the dispatcher, install the handlers, initialize with the
 * dispatcher, ... unInitialize, and only then release the dispatcher.
 */
#ifndef PORTSIP_ABI_H
#define PORTSIP_ABI_H

#include <stdbool.h>

/* ---- Callback types: one per SDK event. Every callback returns int (0). ------------------
 * The SDK owns every pointer argument only for the duration of the call.
 * dialogStateUpdated: the DLL passes 6 strings and an int; the vendor's .NET sample names
 * only the first four, so the last three keep positional names. */
typedef int (*ACTVTransferFailureHandler)(long callbackIndex, long callbackObject, long sessionId, const char* reason, int code);
typedef int (*ACTVTransferSuccessHandler)(long callbackIndex, long callbackObject, long sessionId);
typedef int (*dialogStateUpdatedHandler)(long callbackIndex, long callbackObject, const char* BLFMonitoredUri, const char* BLFDialogState, const char* BLFDialogId, const char* BLFDialogDirection, const char* arg6, const char* arg7, int arg8);
typedef int (*inviteAnsweredHandler)(long callbackIndex, long callbackObject, long sessionId, const char* callerDisplayName, const char* caller, const char* calleeDisplayName, const char* callee, const char* audioCodecNames, const char* videoCodecNames, bool existsAudio, bool existsVideo, const char* sipMessage);
typedef int (*inviteBeginingForwardHandler)(long callbackIndex, long callbackObject, const char* forwardTo);
typedef int (*inviteClosedHandler)(long callbackIndex, long callbackObject, long sessionId);
typedef int (*inviteConnectedHandler)(long callbackIndex, long callbackObject, long sessionId);
typedef int (*inviteFailureHandler)(long callbackIndex, long callbackObject, long sessionId, const char* reason, int code, const char* sipMessage);
typedef int (*inviteIncomingHandler)(long callbackIndex, long callbackObject, long sessionId, const char* callerDisplayName, const char* caller, const char* calleeDisplayName, const char* callee, const char* audioCodecNames, const char* videoCodecNames, bool existsAudio, bool existsVideo, const char* sipMessage);
typedef int (*inviteRingingHandler)(long callbackIndex, long callbackObject, long sessionId, const char* statusText, int statusCode, const char* sipMessage);
typedef int (*inviteSessionProgressHandler)(long callbackIndex, long callbackObject, long sessionId, const char* audioCodecNames, const char* videoCodecNames, bool existsEarlyMedia, bool existsAudio, bool existsVideo, const char* sipMessage);
typedef int (*inviteTryingHandler)(long callbackIndex, long callbackObject, long sessionId);
typedef int (*inviteUpdatedHandler)(long callbackIndex, long callbackObject, long sessionId, const char* audioCodecNames, const char* videoCodecNames, bool existsAudio, bool existsVideo, const char* sipMessage);
typedef int (*playAudioFileFinishedHandler)(long callbackIndex, long callbackObject, long sessionId, const char* fileName);
typedef int (*playVideoFileFinishedHandler)(long callbackIndex, long callbackObject, long sessionId);
typedef int (*presenceOfflineHandler)(long callbackIndex, long callbackObject, const char* fromDisplayName, const char* from);
typedef int (*presenceOnlineHandler)(long callbackIndex, long callbackObject, const char* fromDisplayName, const char* from, const char* stateText);
typedef int (*presenceRecvSubscribeHandler)(long callbackIndex, long callbackObject, long subscribeId, const char* fromDisplayName, const char* from, const char* subject);
typedef int (*receivedReferHandler)(long callbackIndex, long callbackObject, long sessionId, long referId, const char* to, const char* from, const char* referSipMessage);
typedef int (*receivedSignalingHandler)(long callbackIndex, long callbackObject, long sessionId, const char* signaling);
typedef int (*recvDtmfToneHandler)(long callbackIndex, long callbackObject, long sessionId, int tone);
typedef int (*recvInfoHandler)(long callbackIndex, long callbackObject, const char* infoMessage);
typedef int (*recvMessageHandler)(long callbackIndex, long callbackObject, long sessionId, const char* mimeType, const char* subMimeType, const unsigned char* messageData, int messageDataLength);
typedef int (*recvOptionsHandler)(long callbackIndex, long callbackObject, const char* optionsMessage);
typedef int (*recvOutOfDialogMessageHandler)(long callbackIndex, long callbackObject, const char* fromDisplayName, const char* from, const char* toDisplayName, const char* to, const char* mimeType, const char* subMimeType, const unsigned char* messageData, int messageDataLength);
typedef int (*referAcceptedHandler)(long callbackIndex, long callbackObject, long sessionId);
typedef int (*referRejectedHandler)(long callbackIndex, long callbackObject, long sessionId, const char* reason, int code);
typedef int (*registerFailureHandler)(long callbackIndex, long callbackObject, const char* statusText, int statusCode, const char* sipMessage);
typedef int (*registerSuccessHandler)(long callbackIndex, long callbackObject, const char* statusText, int statusCode, const char* sipMessage);
typedef int (*remoteHoldHandler)(long callbackIndex, long callbackObject, long sessionId);
typedef int (*remoteUnHoldHandler)(long callbackIndex, long callbackObject, long sessionId, const char* audioCodecNames, const char* videoCodecNames, bool existsAudio, bool existsVideo);
typedef int (*sendMessageFailureHandler)(long callbackIndex, long callbackObject, long sessionId, long messageId, const char* reason, int code);
typedef int (*sendMessageSuccessHandler)(long callbackIndex, long callbackObject, long sessionId, long messageId);
typedef int (*sendOutOfDialogMessageFailureHandler)(long callbackIndex, long callbackObject, long messageId, const char* fromDisplayName, const char* from, const char* toDisplayName, const char* to, const char* reason, int code);
typedef int (*sendOutOfDialogMessageSuccessHandler)(long callbackIndex, long callbackObject, long messageId, const char* fromDisplayName, const char* from, const char* toDisplayName, const char* to);
typedef int (*sendingSignalingHandler)(long callbackIndex, long callbackObject, long sessionId, const char* signaling);
typedef int (*transferRingingHandler)(long callbackIndex, long callbackObject, long sessionId);
typedef int (*transferTryingHandler)(long callbackIndex, long callbackObject, long sessionId);
typedef int (*waitingFaxMessageHandler)(long callbackIndex, long callbackObject, const char* messageAccount, int urgentNewMessageCount, int urgentOldMessageCount, int newMessageCount, int oldMessageCount);
typedef int (*waitingVoiceMessageHandler)(long callbackIndex, long callbackObject, const char* messageAccount, int urgentNewMessageCount, int urgentOldMessageCount, int newMessageCount, int oldMessageCount);

/* ---- The callback dispatcher ------------------------------------------------------------- */
void* PSCallback_createCallbackDispatcher(void);
void PSCallback_releaseCallbackDispatcher(void* callbackDispatcher);

/* One setter per event: (dispatcher, handler, callbackIndex, callbackObject); the SDK passes
 * callbackIndex and callbackObject back unchanged as the first two callback arguments. */
void PSCallback_setACTVTransferFailureHandler(void* callbackDispatcher, ACTVTransferFailureHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setACTVTransferSuccessHandler(void* callbackDispatcher, ACTVTransferSuccessHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setDialogStateUpdatedHandler(void* callbackDispatcher, dialogStateUpdatedHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setInviteAnsweredHandler(void* callbackDispatcher, inviteAnsweredHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setInviteBeginingForwardHandler(void* callbackDispatcher, inviteBeginingForwardHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setInviteClosedHandler(void* callbackDispatcher, inviteClosedHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setInviteConnectedHandler(void* callbackDispatcher, inviteConnectedHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setInviteFailureHandler(void* callbackDispatcher, inviteFailureHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setInviteIncomingHandler(void* callbackDispatcher, inviteIncomingHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setInviteRingingHandler(void* callbackDispatcher, inviteRingingHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setInviteSessionProgressHandler(void* callbackDispatcher, inviteSessionProgressHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setInviteTryingHandler(void* callbackDispatcher, inviteTryingHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setInviteUpdatedHandler(void* callbackDispatcher, inviteUpdatedHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setPlayAudioFileFinishedHandler(void* callbackDispatcher, playAudioFileFinishedHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setPlayVideoFileFinishedHandler(void* callbackDispatcher, playVideoFileFinishedHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setPresenceOfflineHandler(void* callbackDispatcher, presenceOfflineHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setPresenceOnlineHandler(void* callbackDispatcher, presenceOnlineHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setPresenceRecvSubscribeHandler(void* callbackDispatcher, presenceRecvSubscribeHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setReceivedReferHandler(void* callbackDispatcher, receivedReferHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setReceivedSignalingHandler(void* callbackDispatcher, receivedSignalingHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setRecvDtmfToneHandler(void* callbackDispatcher, recvDtmfToneHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setRecvInfoHandler(void* callbackDispatcher, recvInfoHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setRecvMessageHandler(void* callbackDispatcher, recvMessageHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setRecvOptionsHandler(void* callbackDispatcher, recvOptionsHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setRecvOutOfDialogMessageHandler(void* callbackDispatcher, recvOutOfDialogMessageHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setReferAcceptedHandler(void* callbackDispatcher, referAcceptedHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setReferRejectedHandler(void* callbackDispatcher, referRejectedHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setRegisterFailureHandler(void* callbackDispatcher, registerFailureHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setRegisterSuccessHandler(void* callbackDispatcher, registerSuccessHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setRemoteHoldHandler(void* callbackDispatcher, remoteHoldHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setRemoteUnHoldHandler(void* callbackDispatcher, remoteUnHoldHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setSendMessageFailureHandler(void* callbackDispatcher, sendMessageFailureHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setSendMessageSuccessHandler(void* callbackDispatcher, sendMessageSuccessHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setSendOutOfDialogMessageFailureHandler(void* callbackDispatcher, sendOutOfDialogMessageFailureHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setSendOutOfDialogMessageSuccessHandler(void* callbackDispatcher, sendOutOfDialogMessageSuccessHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setSendingSignalingHandler(void* callbackDispatcher, sendingSignalingHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setTransferRingingHandler(void* callbackDispatcher, transferRingingHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setTransferTryingHandler(void* callbackDispatcher, transferTryingHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setWaitingFaxMessageHandler(void* callbackDispatcher, waitingFaxMessageHandler handler, long callbackIndex, long callbackObject);
void PSCallback_setWaitingVoiceMessageHandler(void* callbackDispatcher, waitingVoiceMessageHandler handler, long callbackIndex, long callbackObject);

/* ---- Lifecycle. initialize returns the SDK handle, or NULL with *errorCode set. */
void* PortSIP_initialize(void* callbackDispatcher, int transportType, const char* localIp, int localSIPPort, int logLevel, const char* logFilePath, int maxCallSessions, const char* sipAgentString, int audioDeviceLayer, int videoDeviceLayer, const char* TLSCertificatesRootPath, const char* TLSCipherList, bool verifyTLSCertificate, int* errorCode);
void PortSIP_unInitialize(void* sdk);
int PortSIP_setLicenseKey(void* sdk, const char* key);
int PortSIP_getVersion(void* sdk, int* majorVersion, int* minorVersion);

/* ---- Account and registration (results arrive as registerSuccess / registerFailure). */
int PortSIP_setUser(void* sdk, const char* userName, const char* displayName, const char* authName, const char* password, const char* sipDomain, const char* sipServerAddr, int sipServerPort, const char* stunServerAddr, int stunServerPort, const char* outboundServerAddr, int outboundServerPort);
int PortSIP_registerServer(void* sdk, int regExpires, int retryTimes);
int PortSIP_unRegisterServer(void* sdk);

/* ---- Instant messaging. The sends return a positive message id or a negative error code; the
 * outcome arrives later as send[OutOfDialog]MessageSuccess/Failure carrying that id. */
int PortSIP_addSupportedMimeType(void* sdk, const char* methodName, const char* mimeType, const char* subMimeType);
long PortSIP_sendMessage(void* sdk, long sessionId, const char* mimeType, const char* subMimeType, const unsigned char* message, int messageLength);
long PortSIP_sendOutOfDialogMessage(void* sdk, const char* to, const char* mimeType, const char* subMimeType, bool isSMS, const unsigned char* message, int messageLength);

/* ---- Presence and subscriptions. presenceSubscribe and sendSubscription return a positive id or a
 * negative error code. terminateSubscription returns void (the import library says so). */
int PortSIP_setPresenceMode(void* sdk, int mode);
int PortSIP_setDefaultSubscriptionTime(void* sdk, unsigned int secs);
int PortSIP_setDefaultPublicationTime(void* sdk, unsigned int secs);
long PortSIP_presenceSubscribe(void* sdk, const char* to, const char* subject);
int PortSIP_presenceTerminateSubscribe(void* sdk, long subscribeId);
int PortSIP_presenceAcceptSubscribe(void* sdk, long subscribeId);
int PortSIP_presenceRejectSubscribe(void* sdk, long subscribeId);
int PortSIP_setPresenceStatus(void* sdk, long subscribeId, const char* stateText);
long PortSIP_sendSubscription(void* sdk, const char* to, const char* eventName);
void PortSIP_terminateSubscription(void* sdk, long subscritionId);

/* ---- Calls: call, answer, reject, hang up, hold, update, DTMF, INFO, OPTIONS, forwarding. */

/* ---- Transfer (REFER) and conference. */

/* ---- Audio and video: codecs, devices, volumes, windows, quality. */

/* ---- Recording, file playback and media streams. */

/* ---- SIP headers, signaling and network settings. */

#endif /* PORTSIP_ABI_H */
