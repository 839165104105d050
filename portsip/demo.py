"""Demo: two PortSIP instances on the stub library follow each other's presence and chat.

    python -m portsip.demo

Alice and Bob each get a PortSIPLib on the stub (built on first use with the system C
compiler). Alice watches Bob's presence, Bob accepts and publishes a status, and they
exchange messages; every SDK event prints as the typed object it arrives as. Pass
``--library PATH`` to run the same script on the real SDK (with a SIP server and accounts
of your own, see the README).
"""

from __future__ import annotations

import argparse
import threading

from . import PortSIPLib, SIPCallbackEvents
from ._console import make_console_streams_safe
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


def main(argv: list[str] | None = None) -> int:
    make_console_streams_safe()  # a cp1252 or cp437 console cannot show the messages' emoji
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", help="SDK library to use (default: the stub, built if needed)")
    options = parser.parse_args(argv)
    if options.library is None:
        from .testing import stub_library_path

        options.library = stub_library_path()
    print(f"SDK library: {options.library}")

    with make_user(options.library, "alice", "Alice", 5070) as alice, make_user(options.library, "bob", "Bob", 5080) as bob:
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
