"""Starting the SDK: PortSIP_initialize, setLicenseKey, getVersion.

Stopping it (unRegisterServer, unInitialize, releasing the dispatcher) is
:meth:`portsip.PortSIPLib.close`, which also stops event delivery.
"""

from __future__ import annotations

from .. import _args
from ..enums import LogLevel, TransportType
from ..errors import AlreadyInitializedError, code_of, error_for_code
from ._core import SDKCore


class LifecycleAPI(SDKCore):
    """Initialize the SDK on the instance's callback dispatcher; licence and version."""

    def initialize(
        self,
        transport: TransportType | int = TransportType.UDP,
        local_ip: str = "0.0.0.0",
        local_sip_port: int = 5060,
        log_level: LogLevel | int = LogLevel.NONE,
        log_file_path: str = "",
        max_call_sessions: int = 8,
        sip_agent_string: str = "PortSIP VoIP SDK for Python",
        audio_device_layer: int = 0,
        video_device_layer: int = 0,
        tls_certificates_root_path: str = "",
        tls_cipher_list: str = "",
        verify_tls_certificate: bool = False,
    ) -> None:
        """PortSIP_initialize: start the SDK on this dispatcher. Call once, before anything else."""
        function = self._c.PortSIP_initialize
        error = self._ffi.new("int*")
        name, values = self._checked(
            function,
            {
                "callback_dispatcher": self._dispatcher,
                "transport": int(_args.choice("transport", transport, TransportType)),
                "local_ip": _args.text("local_ip", local_ip),
                "local_sip_port": _args.port("local_sip_port", local_sip_port),
                "log_level": int(_args.choice("log_level", log_level, LogLevel)),
                "log_file_path": _args.text("log_file_path", log_file_path),
                "max_call_sessions": _args.bounded("max_call_sessions", max_call_sessions, minimum=1),
                "sip_agent_string": _args.text("sip_agent_string", sip_agent_string),
                "audio_device_layer": audio_device_layer,
                "video_device_layer": video_device_layer,
                "tls_certificates_root_path": _args.text("tls_certificates_root_path", tls_certificates_root_path),
                "tls_cipher_list": _args.text("tls_cipher_list", tls_cipher_list),
                "verify_tls_certificate": verify_tls_certificate,
                "error_code": error,
            },
            first=0,
        )
        with self._lock:
            self._usable(name, need_sdk=False)
            if self._sdk != self._ffi.NULL:
                raise AlreadyInitializedError(f"{name}: already initialized", code=code_of("ECoreAlreadyInitialized"), function=name)
            sdk = function(*values)
            if sdk == self._ffi.NULL:
                raise error_for_code(error[0] if error[0] < 0 else code_of("ECoreInitializeStackFailure"), name)
            self._sdk = sdk

    def set_license_key(self, key: str) -> None:
        """PortSIP_setLicenseKey."""
        self._call(self._c.PortSIP_setLicenseKey, key=_args.text("key", key))

    def get_version(self) -> tuple[int, int]:
        """PortSIP_getVersion: the SDK's (major, minor) version."""
        major, minor = self._ffi.new("int*"), self._ffi.new("int*")
        self._call(self._c.PortSIP_getVersion, major_version=major, minor_version=minor)
        return major[0], minor[0]
