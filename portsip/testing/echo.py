"""echo@<domain>: a second user on the stub, for ``portsip --stub`` (and your tests) to talk to.

It answers every MESSAGE (text/plain or application/json) with the same body and type, accepts
every presence subscription and reports the status "Available"; :meth:`EchoUser.greet` subscribes
to someone's presence and says hello. It is test-double behaviour: it lives beside the stub, and
the command line loads it only when asked to run on the stub.

    from portsip.testing import EchoUser, stub_library_path

    with EchoUser(stub_library_path()) as echo:
        ...  # sip:echo@example.com answers
"""

from __future__ import annotations

import contextlib

from .._lib import PortSIPLib
from ..errors import ClosedError, NotFoundError
from ..events import PresenceRecvSubscribe, RecvOutOfDialogMessage

#: The echo user's name: its address is sip:echo@<domain>.
ECHO_USER = "echo"


class EchoUser:
    """echo@``domain`` on the SDK library at ``library`` (the stub): answers, accepts, greets."""

    def __init__(self, library: str, domain: str = "example.com") -> None:
        self.lib = PortSIPLib(library)
        try:
            self.lib.initialize(local_sip_port=0)
            self.lib.set_user(ECHO_USER, display_name="Echo", sip_domain=domain)
            self.lib.add_supported_mime_type("MESSAGE", "application", "json")  # besides text/plain
            self.lib.on(RecvOutOfDialogMessage, self._answer)
            self.lib.on(PresenceRecvSubscribe, self._accept)
        except BaseException:
            self.lib.close()
            raise
        self.uri = f"sip:{ECHO_USER}@{domain}" if domain else f"sip:{ECHO_USER}"

    def _answer(self, event: RecvOutOfDialogMessage) -> None:
        with contextlib.suppress(ClosedError):  # closing: no one is left to answer
            self.lib.send_out_of_dialog_message(event.from_uri, event.mime_type, event.sub_mime_type, event.data)

    def _accept(self, event: PresenceRecvSubscribe) -> None:
        # NotFoundError: the watcher withdrew (or closed) before this handler ran; nothing is left to accept.
        with contextlib.suppress(ClosedError, NotFoundError):
            self.lib.presence_accept_subscribe(event.subscribe_id)
            self.lib.set_presence_status(event.subscribe_id, "Available")

    def greet(self, uri: str) -> None:
        """Subscribe to ``uri``'s presence and send it "hello from echo"."""
        self.lib.presence_subscribe(uri, subject="echo would like to see your status")
        self.lib.send_out_of_dialog_message(uri, "text", "plain", b"hello from echo")

    def close(self) -> None:
        """Close the echo user's instance (idempotent); an exception its handlers raised is re-raised as HandlerError."""
        self.lib.close()
        self.lib.check_errors()

    def __enter__(self) -> EchoUser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
