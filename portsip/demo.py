"""Demo: two PortSIP instances follow each other's presence and chat.

    portsip demo            (also: portsip-demo, python -m portsip.demo)

Alice and Bob each get a PortSIPLib on the stub (built on first use with the system C
compiler). Alice watches Bob's presence, Bob accepts and publishes a status, and they
exchange messages; every SDK event prints as the typed object it arrives as. Both users live
in this one process: for your own account, use ``portsip send``, ``watch`` and ``presence``.
"""

from __future__ import annotations

import sys
import threading

from . import PortSIPLib, SIPCallbackEvents
from .events import (
    Event,
    PresenceOffline,
    PresenceOnline,
    PresenceRecvSubscribe,
    RecvOutOfDialogMessage,
    RegisterSuccess,
    SendOutOfDialogMessageSuccess,
)

DOMAIN = "example.com"
_print_lock = threading.Lock()


def show(who: str, event: Event) -> None:
    with _print_lock:
        print(f"  {who:>5} <- {event!r}", flush=True)


def step(text: str, *libs: PortSIPLib) -> None:
    for lib in libs:
        lib.drain()  # let the handlers print what arrived so far, so the output reads in order
    if text:
        with _print_lock:
            print(text, flush=True)


class AliceEvents(SIPCallbackEvents):
    """Alice handles events the .NET way: by overriding on_<event> methods."""

    def on_register_success(self, event: RegisterSuccess) -> None:
        show("alice", event)

    def on_presence_online(self, event: PresenceOnline) -> None:
        show("alice", event)

    def on_presence_offline(self, event: PresenceOffline) -> None:
        show("alice", event)

    def on_recv_out_of_dialog_message(self, event: RecvOutOfDialogMessage) -> None:
        show("alice", event)

    def on_send_out_of_dialog_message_success(self, event: SendOutOfDialogMessageSuccess) -> None:
        show("alice", event)


def make_user(library: str, user: str, display_name: str, port: int) -> PortSIPLib:
    lib = PortSIPLib(library)
    lib.initialize(local_sip_port=port)
    lib.set_user(user, display_name=display_name, sip_domain=DOMAIN)
    return lib


def run(library: str) -> None:
    """Play the demo on the SDK library at ``library`` (e.g. the stub's path)."""
    with make_user(library, "alice", "Alice", 5070) as alice, make_user(library, "bob", "Bob", 5080) as bob:
        print(f"SDK library: {alice.library_path}")
        alice.attach(AliceEvents())
        bob.on(Event, lambda event: show("bob", event))  # Bob prints every event he gets

        step("1. Both register")
        for lib in (alice, bob):
            lib.register_server()
            lib.wait_for(RegisterSuccess)

        step("2. Alice subscribes to Bob's presence; Bob accepts and publishes a status", alice, bob)
        alice.presence_subscribe(f"sip:bob@{DOMAIN}", "Alice would like to see your status")
        request = bob.wait_for(PresenceRecvSubscribe)
        bob.presence_accept_subscribe(request.subscribe_id)
        bob.set_presence_status(request.subscribe_id, "Available")
        alice.wait_for(PresenceOnline)

        step("3. They exchange messages (bodies are bytes; .text decodes them)", alice, bob)
        message_id = alice.send_out_of_dialog_message(f"sip:bob@{DOMAIN}", "text", "plain", "Hi Bob! ☕?".encode())
        alice.wait_for(SendOutOfDialogMessageSuccess, predicate=lambda e: e.message_id == message_id)
        step(f"     Bob reads: {bob.wait_for(RecvOutOfDialogMessage).text!r}", alice, bob)
        bob.send_out_of_dialog_message(f"sip:alice@{DOMAIN}", "text", "plain", "On my way 🙂".encode())
        step(f"     Alice reads: {alice.wait_for(RecvOutOfDialogMessage).text!r}", alice, bob)

        step("4. Bob goes offline", alice, bob)
        bob.set_presence_status(request.subscribe_id, "Offline")
        alice.wait_for(PresenceOffline)
        step("", alice, bob)
        alice.check_errors()
        bob.check_errors()
    print("Done: both instances closed.")


def main(argv: list[str] | None = None) -> int:
    """``portsip-demo`` and ``python -m portsip.demo``: the same as ``portsip demo``."""
    from .cli import main as cli_main

    return cli_main(["demo", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
