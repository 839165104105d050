"""Account and registration: PortSIP_setUser, registerServer, refreshRegistration, unRegisterServer,
and the account extras (removeUser, setDisplayName, setInstanceId, enableAutoCheckMwi)."""

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
            self._c.PortSIP_setUser,
            user_name=_args.text("user_name", user_name),
            display_name=_args.text("display_name", display_name),
            auth_name=_args.text("auth_name", auth_name),
            password=_args.text("password", password),
            sip_domain=_args.text("sip_domain", sip_domain),
            sip_server_addr=_args.text("sip_server_addr", sip_server_addr),
            sip_server_port=_args.port("sip_server_port", sip_server_port),
            stun_server_addr=_args.text("stun_server_addr", stun_server_addr),
            stun_server_port=_args.port("stun_server_port", stun_server_port),
            outbound_server_addr=_args.text("outbound_server_addr", outbound_server_addr),
            outbound_server_port=_args.port("outbound_server_port", outbound_server_port),
        )

    def register_server(self, reg_expires: int = 120, retry_times: int = 0) -> None:
        """PortSIP_registerServer. The outcome arrives as RegisterSuccess or RegisterFailure."""
        expires, retries = _args.bounded("reg_expires", reg_expires, minimum=0), _args.bounded("retry_times", retry_times, minimum=0)
        with self._lock:  # one step with the flag, so a concurrent close() knows to unregister
            self._call(self._c.PortSIP_registerServer, reg_expires=expires, retry_times=retries)
            self._registered = True

    def unregister_server(self) -> None:
        """PortSIP_unRegisterServer."""
        with self._lock:
            self._call(self._c.PortSIP_unRegisterServer)
            self._registered = False

    def refresh_registration(self, reg_expires: int) -> None:
        """PortSIP_refreshRegistration: renew a successful registration now, for ``reg_expires`` seconds.

        The outcome arrives as RegisterSuccess or RegisterFailure, as for :meth:`register_server`.
        """
        self._call(self._c.PortSIP_refreshRegistration, reg_expires=_args.bounded("reg_expires", reg_expires, minimum=0))

    def remove_user(self) -> None:
        """PortSIP_removeUser: forget the account set by :meth:`set_user`, unregistering it first if needed.

        C returns nothing, so no error can be reported.
        """
        with self._lock:
            self._call_void(self._c.PortSIP_removeUser)
            self._registered = False

    def set_display_name(self, display_name: str) -> None:
        """PortSIP_setDisplayName: the name shown with our URI in the From/To headers from now on."""
        self._call(self._c.PortSIP_setDisplayName, display_name=_args.text("display_name", display_name))

    def set_instance_id(self, uuid: str) -> None:
        """PortSIP_setInstanceId: the outbound instance id (RFC 5626) put in our Contact headers; make it unique."""
        self._call(self._c.PortSIP_setInstanceId, uuid=_args.text("uuid", uuid))

    def enable_auto_check_mwi(self, state: bool) -> None:
        """PortSIP_enableAutoCheckMwi: with ``True`` the SDK checks voicemail (MWI) once registered;
        the counts arrive as WaitingVoiceMessage / WaitingFaxMessage.
        """
        self._call(self._c.PortSIP_enableAutoCheckMwi, state=state)
