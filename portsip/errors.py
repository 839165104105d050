"""Exceptions raised by the binding.

Every exception the binding raises on its own account derives from :class:`PortSIPError`.
A negative return code from the SDK becomes a :class:`SDKError` subclass that carries the
code, the vendor's name for it (``ECoreNotFoundSubscribeId``) and the C function that
returned it. Families that callers commonly handle also derive from the matching builtin
(pynacl's pattern), so ``except ValueError`` catches an SDK "invalid argument" too.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from . import _header
from ._event_base import Event

__all__ = [
    "PortSIPError",
    "LibraryLoadError",
    "InvalidStateError",
    "ClosedError",
    "HandlerError",
    "SDKError",
    "NotInitializedError",
    "AlreadyInitializedError",
    "InvalidArgumentError",
    "NotFoundError",
    "LicenseError",
    "CallStateError",
    "SendFailedError",
    "error_name",
    "error_for_code",
]


class PortSIPError(Exception):
    """Base class of every exception this package raises on its own account."""

    def __init__(self, message: str, *, code: int | None = None, function: str | None = None) -> None:
        super().__init__(message)
        #: The SDK's negative return code, when there is one.
        self.code = code
        #: The vendor's name for :attr:`code` ("ECoreNotInitialized"), or None.
        self.name = error_name(code) if code is not None else None
        #: The C function that failed ("PortSIP_sendMessage"), when known.
        self.function = function


class LibraryLoadError(PortSIPError, OSError):
    """The SDK library could not be found, opened, or lacks a function the binding needs.

    ``tried`` lists every (candidate, reason) attempted, ``missing`` the absent symbols.
    """

    def __init__(self, message: str, *, tried: Sequence[tuple[str, str]] = (), missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.tried = list(tried)
        self.missing = list(missing)


class InvalidStateError(PortSIPError, RuntimeError):
    """The call does not fit the instance's state (e.g. wait_for from a handler)."""


class ClosedError(InvalidStateError):
    """The PortSIPLib was closed; create a new one."""


class HandlerError(PortSIPError):
    """Raised by ``PortSIPLib.check_errors()``: an event handler (or the event pipeline) raised.

    ``errors`` holds every exception recorded; the first is also the ``__cause__``.
    """

    def __init__(self, message: str, errors: Sequence[BaseException]) -> None:
        super().__init__(message)
        self.errors = list(errors)


class SendFailedError(PortSIPError):
    """The SDK reported that a send failed (a receipt's failure event, e.g. SendOutOfDialogMessageFailure).

    Unlike :class:`SDKError`, :attr:`code` is the SIP status code of the answer (404, 486, 408...),
    :attr:`reason` its reason phrase, and :attr:`event` the failure event itself.
    """

    def __init__(self, message: str, *, code: int, reason: str, event: Event, function: str | None = None) -> None:
        super().__init__(message, function=function)
        #: The SIP status code of the failure (not an SDK return code).
        self.code: int = code
        #: The SIP reason phrase, e.g. "Not Found".
        self.reason = reason
        #: The failure event (portsip.events), with every field the SDK passed.
        self.event = event


class SDKError(PortSIPError):
    """The SDK returned a negative error code."""


class NotInitializedError(SDKError, RuntimeError):
    """ECoreNotInitialized: call initialize() first."""

    @classmethod
    def for_function(cls, function: str) -> NotInitializedError:
        """What the binding raises itself, before calling C, when ``function`` needs initialize()."""
        return cls(f"{function}: call initialize() first", code=code_of("ECoreNotInitialized"), function=function)


class AlreadyInitializedError(SDKError, RuntimeError):
    """ECoreAlreadyInitialized."""


class InvalidArgumentError(SDKError, ValueError):
    """The SDK rejected an argument (NULL, malformed URI, too long, unknown MIME type...)."""


class NotFoundError(SDKError, LookupError):
    """The SDK does not know the session, call or subscription id given."""


class LicenseError(SDKError):
    """The license key is wrong, a trial key, or expired."""


class CallStateError(SDKError, RuntimeError):
    """The call is not in a state that allows this (not answered yet, not incoming, already on hold, ...)."""


_FAMILIES: dict[str, type[SDKError]] = {
    "ECoreNotInitialized": NotInitializedError,
    "ECoreSDKObjectNull": NotInitializedError,
    "ECoreAlreadyInitialized": AlreadyInitializedError,
    "ECoreArgumentNull": InvalidArgumentError,
    "ECoreArgumentIncorrect": InvalidArgumentError,
    "ECoreArgumentTooLong": InvalidArgumentError,
    "ECoreInvalidUri": InvalidArgumentError,
    "ECoreCalleeEmpty": InvalidArgumentError,
    "ECoreMimeTypeUnknown": InvalidArgumentError,
    "ECoreDataSizeTooLarge": InvalidArgumentError,
    "ECorePortOutOfRange": InvalidArgumentError,
    "ECoreUserNameAuthNameEmpty": InvalidArgumentError,
    "ECoreSIPServerEmpty": InvalidArgumentError,
    "ECoreExpiresValueTooSmall": InvalidArgumentError,
    "ECoreNotFoundSubscribeId": NotFoundError,
    "ECoreCallIdNotFound": NotFoundError,
    "ECoreInviteSessionNotFound": NotFoundError,
    "ECoreUserNotFound": NotFoundError,
    "ECoreWrongLicenseKey": LicenseError,
    "ECoreTrialVersionLicenseKey": LicenseError,
    "ECoreTrialVersionExpired": LicenseError,
    "ECoreWrongDTMFTone": InvalidArgumentError,
    "ECoreSessionTimerValueTooSmall": InvalidArgumentError,
    "ECoreCallNotEstablished": CallStateError,
    "ECoreNotIncomingCall": CallStateError,
    "ECoreCallAlreadyHold": CallStateError,
    "ECoreCallNotHold": CallStateError,
    "ECoreCallInHold": CallStateError,
    "ECoreCallIsClosed": CallStateError,
    "ECoreNoFreeDialogSession": CallStateError,
    # media, devices, SIP headers and network settings
    "ECoreCodecTypeInvalid": InvalidArgumentError,
    "ECorePayloadOutofRange": InvalidArgumentError,
    "ECorePayloadTypeInvalid": InvalidArgumentError,
    "ECoreAudioSampleNotmultiple": InvalidArgumentError,
    "ECoreAudioSampleOutOfRange": InvalidArgumentError,
    "ECoreNotSupportCallbackMode": InvalidArgumentError,
    "EAudioVolumeOutOfRange": InvalidArgumentError,
    "EAudioFileNameEmpty": InvalidArgumentError,
    "EVideoFileNameEmpty": InvalidArgumentError,
    "EVideoUnsupportCaptureResolution": InvalidArgumentError,
    "EMTUOutOfRange": InvalidArgumentError,
    "ECoreSipMessaegEmpty": InvalidArgumentError,
    "ECoreSipHeaderNameEmpty": InvalidArgumentError,
    "ECoreSipHeaderValueEmpty": InvalidArgumentError,
    "ECoreSipHeaderBadFormed": InvalidArgumentError,
    "ECoreMiniAudioPortOutOfRange": InvalidArgumentError,
    "ECoreMaxAudioPortOutOfRange": InvalidArgumentError,
    "ECoreMiniVideoPortOutOfRange": InvalidArgumentError,
    "ECoreMaxVideoPortOutOfRange": InvalidArgumentError,
    "ECoreMiniAudioPortNotEvenNumber": InvalidArgumentError,
    "ECoreMaxAudioPortNotEvenNumber": InvalidArgumentError,
    "ECoreMiniVideoPortNotEvenNumber": InvalidArgumentError,
    "ECoreMaxVideoPortNotEvenNumber": InvalidArgumentError,
    "ECoreMiniRtpPortMustIsEvenNum": InvalidArgumentError,
    "ECoreAudioVideoPortOverlapped": InvalidArgumentError,
    "ECoreAudioVideoPortRangeTooSmall": InvalidArgumentError,
    "ECoreSipHeaderNotExist": NotFoundError,
    "EAudioChannelNotFound": NotFoundError,
    "EVideoChannelNotFound": NotFoundError,
    "EAudioPlayObjectNotExist": NotFoundError,
    "EDeviceGetDeviceNameFailure": NotFoundError,
    "EVideoGetDeviceNameFailure": NotFoundError,
    "EVideoGetDeviceIdFailure": NotFoundError,
    "ECoreNetworkInterfaceUnavailable": NotFoundError,
}


@cache
def _code_names() -> dict[int, str]:
    # cffi reads the enum of native/portsip_errors.h, the table the stub returns from too.
    enum = _header.ffi_for(_header.ERRORS_HEADER).typeof("enum PortSIPErrorCode")
    return {code: name for code, name in enum.elements.items() if code < 0}


@cache
def _codes() -> dict[str, int]:
    return {name: code for code, name in _code_names().items()}


def _require(name: str, value: object, kind: type) -> None:
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"{name} must be {kind.__name__}, not {type(value).__name__}")


def code_of(name: str) -> int:
    """The vendor's value for a code name, e.g. ``code_of("ECoreNotInitialized") == -60001``."""
    _require("name", name, str)
    return _codes()[name]


def error_name(code: int) -> str:
    """The vendor's name for a return code, or "unknown error <code>"."""
    _require("code", code, int)
    return _code_names().get(code, f"unknown error {code}")


def error_for_code(code: int, function: str) -> SDKError:
    """The exception for a negative code returned by ``function``."""
    _require("function", function, str)
    name = error_name(code)
    cls = _FAMILIES.get(name, SDKError)
    return cls(f"{function} failed: {name} ({code})", code=code, function=function)
