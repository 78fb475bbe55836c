"""Access to the compiled C core (``earshot._core``)."""

from __future__ import annotations

from typing import Any

from .errors import EarshotError, error_for_status

try:
    from ._core import ffi, lib  # type: ignore[import-not-found]
except ImportError as exc:  # pragma: no cover - only without a build
    raise ImportError(
        "earshot's C core is not built: run `pip install .` (or "
        "`python host_tools/earshot/_cffi_build.py` in a checkout)"
    ) from exc

__all__ = ["ffi", "lib", "check", "status_name"]


def status_name(status: int) -> str:
    """The C name of a status code ("ES_ERR_MODEL")."""
    return str(ffi.string(lib.es_status_str(status)).decode())


def check(status: int, what: str, detail: Any = None) -> None:
    """Raise the mapped exception when ``status`` is an error."""
    if status == 0:
        return
    msg = f"{what}: {status_name(status)}"
    if detail:
        msg += f": {detail}"
    err: EarshotError = error_for_status(status, msg)
    raise err
