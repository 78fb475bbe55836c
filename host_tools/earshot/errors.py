"""Exceptions, one per C status code (runtime/include/earshot/status.h)."""

from __future__ import annotations


class EarshotError(Exception):
    """Base class of every Earshot error. ``status`` is the C status code (or 0)."""

    status: int = 0
    code_name: str = "ES_ERR"

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class ArgumentError(EarshotError):
    status, code_name = -1, "ES_ERR_ARG"


class OutOfMemoryError(EarshotError):
    status, code_name = -2, "ES_ERR_NO_MEMORY"


class ModelError(EarshotError):
    status, code_name = -3, "ES_ERR_MODEL"


class UnsupportedOpError(EarshotError):
    status, code_name = -4, "ES_ERR_UNSUPPORTED_OP"


class UnsupportedError(EarshotError):
    status, code_name = -5, "ES_ERR_UNSUPPORTED"


class ShapeError(EarshotError):
    status, code_name = -6, "ES_ERR_SHAPE"


class StateError(EarshotError):
    status, code_name = -7, "ES_ERR_STATE"


class AudioFormatError(EarshotError):
    status, code_name = -8, "ES_ERR_AUDIO_FORMAT"


class ConfigError(EarshotError):
    status, code_name = -9, "ES_ERR_CONFIG"


class DeviceIOError(EarshotError):
    status, code_name = -10, "ES_ERR_IO"


class DeviceTimeoutError(EarshotError):
    status, code_name = -11, "ES_ERR_TIMEOUT"


class ProtocolError(EarshotError):
    status, code_name = -12, "ES_ERR_PROTOCOL"


class IntegrityError(EarshotError):
    status, code_name = -13, "ES_ERR_INTEGRITY"


class VersionError(EarshotError):
    status, code_name = -14, "ES_ERR_VERSION"


_BY_STATUS: dict[int, type[EarshotError]] = {
    cls.status: cls
    for cls in (
        ArgumentError,
        OutOfMemoryError,
        ModelError,
        UnsupportedOpError,
        UnsupportedError,
        ShapeError,
        StateError,
        AudioFormatError,
        ConfigError,
        DeviceIOError,
        DeviceTimeoutError,
        ProtocolError,
        IntegrityError,
        VersionError,
    )
}


def error_for_status(status: int, message: str) -> EarshotError:
    """The exception instance for a C status code."""
    cls = _BY_STATUS.get(status, EarshotError)
    return cls(message, status)
