"""A PJSIP client for the wire tests, driven by JSON lines on stdin; its events are JSON lines on stdout.

Usage: pjsip_peer.py TRANSPORT USER. It binds 127.0.0.1 on a free port (no registrar: peer to peer) and
prints {"event": "ready", "uri": ...}. Commands:
  {"command": "message", "to": URI, "body": TEXT}        -> {"event": "message_status", "code": N, ...}
  {"command": "subscribe", "to": URI}                    -> {"event": "buddy", "online": bool, "note": ...}
  {"command": "status", "online": bool, "note": TEXT}    (what watchers get in PJSIP's PIDF)
  {"command": "typing", "to": URI, "typing": bool}      (an RFC 3994 isComposing MESSAGE: sendTypingIndication)
  {"command": "call", "to": URI}                        (one call at a time; its states as below)
  {"command": "answer", "code": N}                      (the incoming call: 200 answers, 4xx-6xx refuse)
  {"command": "hold"} / {"command": "unhold"}           (a re-INVITE of the call: sendonly / sendrecv)
  {"command": "hangup"}
  {"command": "quit"}
Each command but quit is followed by {"event": "done", "command": NAME} once PJSIP has taken it (a test that must
not race it, e.g. a status before a SUBSCRIBE arrives, waits for that).
Incoming: {"event": "message", "from": URI, "body": TEXT, "content_type": TYPE}; an isComposing MESSAGE as
{"event": "typing", "from": URI, "typing": bool} (onTypingIndication); a SUBSCRIBE is accepted (PJSIP's
default) and reported as {"event": "subscribed", "from": URI}. An incoming call rings (180) and is reported as
{"event": "incoming_call", "from": URI}; a call's progress as {"event": "call_state", "state": "early" |
"confirmed" | "disconnected", "code": N}, a DTMF tone received as {"event": "dtmf", "digit": D}. Calls have no
audio device (the null device) and their media go nowhere.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
from typing import Any

import pjsua2 as pj

CALLS: list[Any] = []  # the calls made and received, the last one is the current one


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


class Account(pj.Account):  # type: ignore[misc]
    def onInstantMessage(self, prm: Any) -> None:
        emit("message", **{"from": prm.fromUri, "body": prm.msgBody, "content_type": prm.contentType})

    def onInstantMessageStatus(self, prm: Any) -> None:
        emit("message_status", code=prm.code, reason=prm.reason, to=prm.toUri)

    def onTypingIndication(self, prm: Any) -> None:
        emit("typing", **{"from": prm.fromUri, "typing": prm.isTyping})

    def onIncomingCall(self, prm: Any) -> None:
        call = Call(self, prm.callId)
        CALLS.append(call)  # PJSIP must not see it collected while it is in use
        emit("incoming_call", **{"from": call.getInfo().remoteUri})
        ringing = pj.CallOpParam()
        ringing.statusCode = 180
        call.answer(ringing)

    def onIncomingSubscribe(self, prm: Any) -> None:
        emit("subscribed", **{"from": prm.fromUri})
        prm.code = 200


#: the call states a test sees (others are not reported)
CALL_STATES = {
    pj.PJSIP_INV_STATE_EARLY: "early",
    pj.PJSIP_INV_STATE_CONFIRMED: "confirmed",
    pj.PJSIP_INV_STATE_DISCONNECTED: "disconnected",
}


class Call(pj.Call):  # type: ignore[misc]
    def onCallState(self, prm: Any) -> None:
        info = self.getInfo()
        if info.state in CALL_STATES:
            emit("call_state", state=CALL_STATES[info.state], code=info.lastStatusCode, remote=info.remoteUri)

    def onDtmfDigit(self, prm: Any) -> None:
        emit("dtmf", digit=prm.digit)


class Buddy(pj.Buddy):  # type: ignore[misc]
    def onBuddyState(self) -> None:
        info = self.getInfo()
        status = info.presStatus
        emit(
            "buddy", online=status.status == pj.PJSUA_BUDDY_STATUS_ONLINE, note=status.note, text=status.statusText, state=info.subStateName
        )


def open_endpoint(transport: str, log_level: int = 1) -> tuple[Any, int]:
    """A started PJSIP endpoint on 127.0.0.1, a free port, UDP or TCP, pumped by the calling thread
    (``libHandleEvents``): the endpoint and its port. (benchmarks/bench_wire.py uses it too.)"""
    endpoint = pj.Endpoint()
    endpoint.libCreate()
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0  # one thread: the caller's pumps PJSIP's events
    config.uaConfig.mainThreadOnly = True
    config.logConfig.level = log_level
    config.logConfig.consoleLevel = log_level
    endpoint.libInit(config)
    endpoint.audDevManager().setNullDev()
    transport_config = pj.TransportConfig()
    transport_config.port = 0
    transport_config.boundAddress = "127.0.0.1"
    kind = pj.PJSIP_TRANSPORT_TCP if transport == "tcp" else pj.PJSIP_TRANSPORT_UDP
    transport_id = endpoint.transportCreate(kind, transport_config)
    endpoint.libStart()
    return endpoint, int(endpoint.transportGetInfo(transport_id).localName.split(":")[-1])


def main() -> None:
    transport, user = sys.argv[1], sys.argv[2]
    commands: queue.Queue[dict[str, Any]] = queue.Queue()

    def read_commands() -> None:
        for line in sys.stdin:
            commands.put(json.loads(line))
        commands.put({"command": "quit"})

    threading.Thread(target=read_commands, daemon=True).start()
    endpoint, port = open_endpoint(transport)
    suffix = ";transport=tcp" if transport == "tcp" else ""
    account_config = pj.AccountConfig()
    account_config.idUri = f"sip:{user}@127.0.0.1:{port}{suffix}"
    # Answered with several codecs (as libre answers), PJSIP re-INVITEs to keep one: a re-INVITE of its own in
    # the middle of a test's hold would make PJSIP refuse the hold.
    account_config.mediaConfig.lockCodecEnabled = False
    account = Account()
    account.create(account_config)
    buddies = []
    correspondents: dict[str, Buddy] = {}  # the buddy (not subscribed) that messages and typing to a URI go through

    def correspondent(uri: str) -> Buddy:
        if uri not in correspondents:
            correspondents[uri] = add_buddy(uri, subscribe=False)
        return correspondents[uri]

    def add_buddy(uri: str, subscribe: bool) -> Buddy:
        buddy_config = pj.BuddyConfig()
        buddy_config.uri = uri
        buddy_config.subscribe = subscribe
        buddy = Buddy()
        buddy.create(account, buddy_config)
        buddies.append(buddy)  # PJSIP must not see it collected while it is in use
        return buddy

    emit("ready", uri=account_config.idUri)
    while True:
        endpoint.libHandleEvents(10)
        try:
            command = commands.get_nowait()
        except queue.Empty:
            continue
        name = command["command"]
        if name == "quit":
            break
        if name == "message":
            message = pj.SendInstantMessageParam()
            message.content = command["body"]
            correspondent(command["to"]).sendInstantMessage(message)
        elif name == "typing":
            typing = pj.SendTypingIndicationParam()
            typing.isTyping = command["typing"]
            correspondent(command["to"]).sendTypingIndication(typing)
        elif name == "call":
            call = Call(account)
            CALLS.append(call)
            call.makeCall(command["to"], pj.CallOpParam(True))
        elif name == "answer":
            answer = pj.CallOpParam()
            answer.statusCode = command["code"]
            CALLS[-1].answer(answer)
        elif name == "hold":
            CALLS[-1].setHold(pj.CallOpParam(True))
        elif name == "unhold":
            unhold = pj.CallOpParam(True)
            unhold.opt.flag = pj.PJSUA_CALL_UNHOLD
            CALLS[-1].reinvite(unhold)
        elif name == "hangup":
            CALLS[-1].hangup(pj.CallOpParam(True))
        elif name == "subscribe":
            add_buddy(command["to"], subscribe=True)
        elif name == "status":
            status = pj.PresenceStatus()
            status.status = pj.PJSUA_BUDDY_STATUS_ONLINE if command["online"] else pj.PJSUA_BUDDY_STATUS_OFFLINE
            status.note = command["note"]
            account.setOnlineStatus(status)
        emit("done", command=name)
    correspondents.clear()
    buddies.clear()
    endpoint.hangupAllCalls()
    account.shutdown()
    endpoint.libDestroy()


if __name__ == "__main__":
    main()
