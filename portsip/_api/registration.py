"""Account and registration: PortSIP_setUser, registerServer, unRegisterServer."""

from __future__ import annotations

from .. import _args
from ._core import SDKCore


class RegistrationAPI(SDKCore):
    """The SIP account and its registration; outcomes arrive as RegisterSuccess / RegisterFailure."""

    def set_user(
        self,
        user_name: str,
        display_name: str = "",
        auth_name: str = "",
        password: str = "",
        sip_domain: str = "",
        sip_server_addr: str = "",
        sip_server_port: int = 5060,
        stun_server_addr: str = "",
        stun_server_port: int = 0,
        outbound_server_addr: str = "",
        outbound_server_port: int = 0,
    ) -> None:
        """PortSIP_setUser: the account. Leave sip_server_addr empty for P2P mode (no server)."""
        self._call(
            "PortSIP_setUser",
            _args.text("user_name", user_name),
            _args.text("display_name", display_name),
            _args.text("auth_name", auth_name),
            _args.text("password", password),
            _args.text("sip_domain", sip_domain),
            _args.text("sip_server_addr", sip_server_addr),
            _args.port("sip_server_port", sip_server_port),
            _args.text("stun_server_addr", stun_server_addr),
            _args.port("stun_server_port", stun_server_port),
            _args.text("outbound_server_addr", outbound_server_addr),
            _args.port("outbound_server_port", outbound_server_port),
        )

    def register_server(self, reg_expires: int = 120, retry_times: int = 0) -> None:
        """PortSIP_registerServer. The outcome arrives as RegisterSuccess or RegisterFailure."""
        args = (_args.integer("reg_expires", reg_expires, minimum=0), _args.integer("retry_times", retry_times, minimum=0))
        with self._lock:  # one step with the flag, so a concurrent close() knows to unregister
            self._call("PortSIP_registerServer", *args)
            self._registered = True

    def unregister_server(self) -> None:
        """PortSIP_unRegisterServer."""
        with self._lock:
            self._call("PortSIP_unRegisterServer")
            self._registered = False
