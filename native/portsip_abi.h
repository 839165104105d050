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

/* Frees a parameter object of the vendor's C++ message-posting API (ICallbackParameters). The
 * dispatcher API above never hands one out, so this binding never calls it (declared for completeness). */
void PortSIP_delCallbackParameters(void* parameters);

/* ---- Lifecycle. initialize returns the SDK handle, or NULL with *errorCode set. */
void* PortSIP_initialize(void* callbackDispatcher, int transportType, const char* localIp, int localSIPPort, int logLevel, const char* logFilePath, int maxCallSessions, const char* sipAgentString, int audioDeviceLayer, int videoDeviceLayer, const char* TLSCertificatesRootPath, const char* TLSCipherList, bool verifyTLSCertificate, int* errorCode);
void PortSIP_unInitialize(void* sdk);
int PortSIP_setLicenseKey(void* sdk, const char* key);
int PortSIP_getVersion(void* sdk, int* majorVersion, int* minorVersion);

/* ---- Account and registration (results arrive as registerSuccess / registerFailure, also for
 * refreshRegistration). removeUser returns void. */
int PortSIP_setUser(void* sdk, const char* userName, const char* displayName, const char* authName, const char* password, const char* sipDomain, const char* sipServerAddr, int sipServerPort, const char* stunServerAddr, int stunServerPort, const char* outboundServerAddr, int outboundServerPort);
int PortSIP_registerServer(void* sdk, int regExpires, int retryTimes);
int PortSIP_unRegisterServer(void* sdk);
int PortSIP_refreshRegistration(void* sdk, int regExpires);
void PortSIP_removeUser(void* sdk);
int PortSIP_setDisplayName(void* sdk, const char* displayName);
int PortSIP_setInstanceId(void* sdk, const char* uuid);
int PortSIP_enableAutoCheckMwi(void* sdk, bool state);

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

/* ---- Calls: call, answer, reject, hang up, hold, update, DTMF, INFO, OPTIONS, forwarding.
 * call and pickupBLFCall return a positive session id or a negative error code; the call's
 * progress arrives as invite* events carrying that id. setDoNotDisturb returns void. */
long PortSIP_call(void* sdk, const char* callTo, bool sendSdp, bool videoCall);
int PortSIP_answerCall(void* sdk, long sessionId, bool videoCall);
int PortSIP_rejectCall(void* sdk, long sessionId, int code);
int PortSIP_hangUp(void* sdk, long sessionId);
int PortSIP_hold(void* sdk, long sessionId);
int PortSIP_unHold(void* sdk, long sessionId);
int PortSIP_updateCall(void* sdk, long sessionId, bool enableAudio, bool enableVideo);
int PortSIP_muteSession(void* sdk, long sessionId, bool muteIncomingAudio, bool muteOutgoingAudio, bool muteIncomingVideo, bool muteOutgoingVideo);
int PortSIP_forwardCall(void* sdk, long sessionId, const char* forwardTo);
int PortSIP_enableCallForward(void* sdk, bool forBusyOnly, const char* forwardTo);
int PortSIP_disableCallForward(void* sdk);
void PortSIP_setDoNotDisturb(void* sdk, bool state);
int PortSIP_enableEarlyMedia(void* sdk, bool enable);
int PortSIP_enableReliableProvisional(void* sdk, bool enable);
int PortSIP_enableSessionTimer(void* sdk, int timerSeconds, int refreshMode);
int PortSIP_disableSessionTimer(void* sdk);
int PortSIP_sendDtmf(void* sdk, long sessionId, int dtmfMethod, int code, int dtmfDuration, bool playDtmfTone);
int PortSIP_sendInfo(void* sdk, long sessionId, const char* mimeType, const char* subMimeType, const char* infoContents);
int PortSIP_sendOptions(void* sdk, const char* to, const char* sdp);
long PortSIP_pickupBLFCall(void* sdk, const char* replaceDialogId, bool videoCall);

/* ---- Transfer (REFER) and conference. acceptRefer returns the session id of the new call (or a
 * negative code). One conference per SDK instance; window handles are the platform's (HWND, ...).
 * destroyConference returns void. */
int PortSIP_refer(void* sdk, long sessionId, const char* referTo);
int PortSIP_attendedRefer(void* sdk, long sessionId, long replaceSessionId, const char* referTo);
int PortSIP_attendedRefer2(void* sdk, long sessionId, long replaceSessionId, const char* replaceMethod, const char* target, const char* referTo);
int PortSIP_outOfDialogRefer(void* sdk, long replaceSessionId, const char* replaceMethod, const char* target, const char* referTo);
long PortSIP_acceptRefer(void* sdk, long referId, const char* referSignaling);
int PortSIP_rejectRefer(void* sdk, long referId);
int PortSIP_createAudioConference(void* sdk);
int PortSIP_createVideoConference(void* sdk, void* conferenceVideoWindow, int width, int height, bool displayLocalVideoInConference);
void PortSIP_destroyConference(void* sdk);
int PortSIP_setConferenceVideoWindow(void* sdk, void* videoWindow);
int PortSIP_joinToConference(void* sdk, long sessionId);
int PortSIP_removeFromConference(void* sdk, long sessionId);

/* ---- Audio and video: codecs, devices, volumes, windows, quality. */
/* Codecs offered in SDP. codecType is an AUDIOCODEC_TYPE / VIDEOCODEC_TYPE value (enums.tsv). */
int PortSIP_addAudioCodec(void* sdk, int codecType);
int PortSIP_addVideoCodec(void* sdk, int codecType);
bool PortSIP_isAudioCodecEmpty(void* sdk);
bool PortSIP_isVideoCodecEmpty(void* sdk);
int PortSIP_setAudioCodecPayloadType(void* sdk, int codecType, int payloadType);
int PortSIP_setVideoCodecPayloadType(void* sdk, int codecType, int payloadType);
void PortSIP_clearAudioCodec(void* sdk);
void PortSIP_clearVideoCodec(void* sdk);
int PortSIP_setAudioCodecParameter(void* sdk, int codecType, const char* parameter);
int PortSIP_setVideoCodecParameter(void* sdk, int codecType, const char* parameter);

/* Audio processing and quality. The import library types AEC/AGC/ANS as on/off (bool), although
 * the vendor's .NET sample passes EC_MODES/AGC_MODES/NS_MODES values. */
void PortSIP_enableAEC(void* sdk, bool ecMode);
void PortSIP_enableAGC(void* sdk, bool agcMode);
void PortSIP_enableANS(void* sdk, bool nsMode);
void PortSIP_enableCNG(void* sdk, bool state);
void PortSIP_enableVAD(void* sdk, bool state);
int PortSIP_enableAudioQos(void* sdk, bool state);
int PortSIP_setAudioSamples(void* sdk, int ptime, int maxPtime);
int PortSIP_setAudioBitrate(void* sdk, long sessionId, int audioCodecType, int bitrateKbps);
int PortSIP_setAudioRtcpBandwidth(void* sdk, long sessionId, int BitsRR, int BitsRS, int KBitsAS);
void PortSIP_setChannelInputVolumeScaling(void* sdk, long sessionId, int scaling);
void PortSIP_setChannelOutputVolumeScaling(void* sdk, long sessionId, int scaling);

/* Video. Windows are the platform's native handles (HWND on Windows); NULL detaches. */
int PortSIP_enableVideoQos(void* sdk, bool state);
int PortSIP_setVideoMTU(void* sdk, int mtu);
int PortSIP_setVideoNackStatus(void* sdk, bool state);
int PortSIP_setVideoResolution(void* sdk, int width, int height);
int PortSIP_setVideoBitrate(void* sdk, long sessionId, int bitrateKbps);
int PortSIP_setVideoFrameRate(void* sdk, long sessionId, int frameRate);
int PortSIP_setVideoRtcpBandwidth(void* sdk, long sessionId, int BitsRR, int BitsRS, int KBitsAS);
void PortSIP_setLocalVideoWindow(void* sdk, void* localVideoWindow);
int PortSIP_setRemoteVideoWindow(void* sdk, long sessionId, void* remoteVideoWindow);
int PortSIP_displayLocalVideo(void* sdk, bool state, bool mirror);
int PortSIP_sendVideo(void* sdk, long sessionId, bool sendState);

/* Devices. Names are written as NUL-terminated UTF-8 into the caller's buffer of the given size;
 * the count functions return a count or a negative error code, the volume getters the volume. */
int PortSIP_getNumOfRecordingDevices(void* sdk);
int PortSIP_getNumOfPlayoutDevices(void* sdk);
int PortSIP_getRecordingDeviceName(void* sdk, int deviceIndex, char* nameUTF8, int nameUTF8Length);
int PortSIP_getPlayoutDeviceName(void* sdk, int deviceIndex, char* nameUTF8, int nameUTF8Length);
int PortSIP_setAudioDeviceId(void* sdk, int recordingDeviceId, int playoutDeviceId);
int PortSIP_setSpeakerVolume(void* sdk, unsigned int volume);
int PortSIP_getSpeakerVolume(void* sdk);
int PortSIP_setMicVolume(void* sdk, unsigned int volume);
int PortSIP_getMicVolume(void* sdk);
void PortSIP_muteMicrophone(void* sdk, bool mute);
void PortSIP_muteSpeaker(void* sdk, bool mute);
void PortSIP_audioPlayLoopbackTest(void* sdk, bool enable);
int PortSIP_getNumOfVideoCaptureDevices(void* sdk);
int PortSIP_getVideoCaptureDeviceName(void* sdk, unsigned int deviceIndex, char* uniqueIdUTF8, unsigned int uniqueIdUTF8Length, char* deviceNameUTF8, unsigned int deviceNameUTF8Length);
int PortSIP_setVideoDeviceId(void* sdk, int deviceId);
int PortSIP_showVideoCaptureSettingsDialogBox(void* sdk, const char* uniqueIdUTF8, unsigned int uniqueIdUTF8Length, const char* dialogTitle, void* parentWindow, unsigned int x, unsigned int y);

/* RTP statistics of a call: every counter is an int out-parameter. */
int PortSIP_getAudioStatistics(void* sdk, long sessionId, int* sendBytes, int* sendPackets, int* sendPacketsLost, int* sendFractionLost, int* sendRttMS, int* sendCodecType, int* sendJitterMS, int* sendAudioLevel, int* recvBytes, int* recvPackets, int* recvPacketsLost, int* recvFractionLost, int* recvCodecType, int* recvJitterMS, int* recvAudioLevel);
int PortSIP_getVideoStatistics(void* sdk, long sessionId, int* sendBytes, int* sendPackets, int* sendPacketsLost, int* sendFractionLost, int* sendRttMS, int* sendCodecType, int* sendFrameWidth, int* sendFrameHeight, int* sendBitrateBPS, int* sendFramerate, int* recvBytes, int* recvPackets, int* recvPacketsLost, int* recvFractionLost, int* recvCodecType, int* recvFrameWidth, int* recvFrameHeight, int* recvBitrateBPS, int* recvFramerate);

/* ---- Recording, file playback and media streams. */
/* audioFileFormat: AUDIO_FILE_FORMAT; audioRecordMode/videoRecordMode: RECORD_MODE; videoFileCodecType: VIDEOCODEC_TYPE. */
int PortSIP_startRecord(void* sdk, long sessionId, const char* recordFilePath, const char* recordFileName, bool appendTimeStamp, int audioFileFormat, int audioRecordMode, int videoFileCodecType, int videoRecordMode);
int PortSIP_stopRecord(void* sdk, long sessionId);

/* Files played into a call; when one ends (not looping) playAudioFileFinished / playVideoFileFinished arrives. */
int PortSIP_playAudioFileToRemote(void* sdk, long sessionId, const char* fileName, int fileSamplesPerSec, bool loop);
int PortSIP_stopPlayAudioFileToRemote(void* sdk, long sessionId);
int PortSIP_playAudioFileToRemoteAsBackground(void* sdk, long sessionId, const char* fileName, int fileSamplesPerSec);
int PortSIP_stopPlayAudioFileToRemoteAsBackground(void* sdk, long sessionId);
int PortSIP_playVideoFileToRemote(void* sdk, long sessionId, const char* aviFile, bool loop, bool playAudio);
int PortSIP_stopPlayVideoFileToRemote(void* sdk, long sessionId);

/* Media sent to the remote side from the application instead of the microphone / camera:
 * 16-bit mono PCM, and I420 frames (dataLength = width * height * 3 / 2). */
int PortSIP_enableSendPcmStreamToRemote(void* sdk, long sessionId, bool state, int streamSamplesPerSec);
int PortSIP_sendPcmStreamToRemote(void* sdk, long sessionId, const unsigned char* data, int dataLength);
int PortSIP_enableSendVideoStreamToRemote(void* sdk, long sessionId, bool state);
int PortSIP_sendVideoStreamToRemote(void* sdk, long sessionId, const unsigned char* data, int dataLength, int width, int height);

/* Media stream callbacks: raw audio and video frames and RTP packets, called on the SDK's media
 * threads (hundreds of times a second per call). They are not events: each is passed to its
 * enable/set function below with a callbackObject (void*) that comes back as its first argument,
 * and no dispatcher is involved. Named after the vendor's .NET delegates; the buffer belongs to
 * the SDK for the duration of the call only. callbackType is the mode that was enabled
 * (AUDIOSTREAM_CALLBACK_MODE / VIDEOSTREAM_CALLBACK_MODE). */
typedef int (*audioRawCallback)(void* callbackObject, long sessionId, int callbackType, unsigned char* data, int dataLength, int samplingFreqHz);
typedef int (*videoRawCallback)(void* callbackObject, long sessionId, int callbackType, int width, int height, unsigned char* data, int dataLength);
typedef int (*receivedRTPCallback)(void* callbackObject, long sessionId, bool isAudio, unsigned char* RTPPacket, int packetSize);
typedef int (*sendingRTPCallback)(void* callbackObject, long sessionId, bool isAudio, unsigned char* RTPPacket, int packetSize);
/* Per call (sessionId is an int here, as the import library says). The video mode VIDEOSTREAM_NONE
 * disables; setRtpCallback is per SDK instance, NULL handlers disable. */
int PortSIP_enableAudioStreamCallback(void* sdk, int sessionId, bool enable, int callbackMode, void* callbackObject, audioRawCallback callbackHandler);
int PortSIP_enableVideoStreamCallback(void* sdk, int sessionId, int callbackMode, void* callbackObject, videoRawCallback callbackHandler);
int PortSIP_setRtpCallback(void* sdk, void* callbackObj, receivedRTPCallback receivedRTPCallbackHandler, sendingRTPCallback sendingRTPCallbackHandler);

/* ---- SIP headers, signaling and network settings. */
/* Headers added to / modified in outgoing SIP messages. sessionId -1: every session; methodName
 * "ALL": every method; msgType 1 requests, 2 responses, 3 both. Add/modify return a positive
 * header id for the matching remove. The clear functions return void (the import library says so). */
int PortSIP_addSipMessageHeader(void* sdk, long sessionId, const char* methodName, int msgType, const char* headerName, const char* headerValue);
int PortSIP_removeAddedSipMessageHeader(void* sdk, long sipMessageHeaderId);
void PortSIP_clearAddedSipMessageHeaders(void* sdk);
int PortSIP_modifySipMessageHeader(void* sdk, long sessionId, const char* methodName, int msgType, const char* headerName, const char* headerValue);
int PortSIP_removeModifiedSipMessageHeader(void* sdk, long sipMessageHeaderId);
void PortSIP_clearModifiedSipMessageHeaders(void* sdk);
/* The value of a header of a SIP message text (e.g. from receivedSignaling), into the caller's buffer. */
int PortSIP_getSipMessageHeaderValue(void* sdk, const char* sipMessage, const char* headerName, char* headerValue, int headerValueLength);
/* Report SIP messages sent / received as sendingSignaling / receivedSignaling events. */
void PortSIP_enableCallbackSignaling(void* sdk, bool enableSending, bool enableReceived);

int PortSIP_enable3GppTags(void* sdk, bool enable);
int PortSIP_enableRport(void* sdk, bool enable);
int PortSIP_setKeepAliveTime(void* sdk, int keepAliveTime);
int PortSIP_setRtpKeepAlive(void* sdk, bool state, int keepAlivePayloadType, int deltaTransmitTimeMS);
int PortSIP_setRtpPortRange(void* sdk, int minimumRtpAudioPort, int maximumRtpAudioPort, int minimumRtpVideoPort, int maximumRtpVideoPort);
int PortSIP_setRtcpPortRange(void* sdk, int minimumRtcpAudioPort, int maximumRtcpAudioPort, int minimumRtcpVideoPort, int maximumRtcpVideoPort);
/* srtpPolicy: SRTP_POLICY. */
int PortSIP_setSrtpPolicy(void* sdk, int srtpPolicy, bool AllowSrtpOverUnsecureTransport);
/* The host's network interfaces: no SDK handle, usable before initialize. getNICNums returns a
 * count or a negative error code; getLocalIpAddress writes the index-th address into ip. */
int PortSIP_getNICNums(void);
int PortSIP_getLocalIpAddress(int index, char* ip, int ipSize);

#endif /* PORTSIP_ABI_H */
