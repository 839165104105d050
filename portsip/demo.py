"""Demo: two PortSIP instances follow each other's presence and chat.

    portsip demo            (also: portsip-demo, python -m portsip demo)

Alice and Bob each get a PortSIPLib on the stub (built on first use with the system C
compiler). Alice watches Bob's presence, Bob accepts and publishes a status, and they
exchange messages; every SDK event prints as the typed object it arrives as. Both users live
in this one process: for your own account, use ``portsip send``, ``watch`` and ``presence``.

This module only plays the demo (:func:`run`); the command line (portsip.cli) chooses the
library, says which on stderr and handles the errors.
"""

from __future__ import annotations

import sys

from ._console import Stdout
from ._lib import PortSIPLib
from .events import (
    Event,
    PresenceOffline,
    PresenceOnline,
    PresenceRecvSubscribe,
    RecvOutOfDialogMessage,
    RegisterSuccess,
    SendOutOfDialogMessageSuccess,
    SIPCallbackEvents,
)

DOMAIN = "example.com"


class Screen:
    """The demo's output: events from the handler threads, steps from the main thread."""

    def __init__(self, out: Stdout) -> None:
        self.out = out

    def show(self, who: str, event: Event) -> None:
        self.out.line(f"  {who:>5} <- {event!r}")  # on a handler thread: never raises

    def step(self, text: str, *libs: PortSIPLib) -> None:
        """Print ``text`` after what the handlers of ``libs`` have to print so far (so the output
        reads in order); stop the demo (OutputError) if stdout cannot be written."""
        for lib in libs:
            lib.drain()
        if text:
            self.out.line(text)
        self.out.check()


class AliceEvents(SIPCallbackEvents):
    """Alice handles events the .NET way: by overriding on_<event> methods."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen

    def on_register_success(self, event: RegisterSuccess) -> None:
        self.screen.show("alice", event)

    def on_presence_online(self, event: PresenceOnline) -> None:
        self.screen.show("alice", event)

    def on_presence_offline(self, event: PresenceOffline) -> None:
        self.screen.show("alice", event)

    def on_recv_out_of_dialog_message(self, event: RecvOutOfDialogMessage) -> None:
        self.screen.show("alice", event)

    def on_send_out_of_dialog_message_success(self, event: SendOutOfDialogMessageSuccess) -> None:
        self.screen.show("alice", event)


def make_user(library: str, user: str, display_name: str, port: int) -> PortSIPLib:
    lib = PortSIPLib(library)
    lib.initialize(local_sip_port=port)
    lib.set_user(user, display_name=display_name, sip_domain=DOMAIN)
    return lib


def run(library: str, out: Stdout | None = None) -> None:
    """Play the demo on the SDK library at ``library`` (e.g. the stub's path), printing to ``out``.

    Raises portsip._console.OutputError as soon as stdout cannot be written (``| head -1``).
    """
    screen = Screen(out or Stdout())
    step = screen.step
    with make_user(library, "alice", "Alice", 5070) as alice, make_user(library, "bob", "Bob", 5080) as bob:
        alice.attach(AliceEvents(screen))
        bob.on(Event, lambda event: screen.show("bob", event))  # Bob prints every event he gets

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
    step("Done: both instances closed.")


if __name__ == "__main__":
    # The demo's command line is the portsip command's (library choice, errors): this module does
    # not import it, so that the two never import each other.
    sys.exit("run the demo with: portsip demo (or portsip-demo, or python -m portsip demo)")
