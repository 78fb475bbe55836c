"""Firmware image format (docs/IMAGE.md): pack and parse.

An image is a 256-byte header followed by the payload. The header carries the
image version, the board name, flags, the payload's SHA-256 and its own SHA-256.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from .errors import ArgumentError, IntegrityError

MAGIC = b"ESIM"
HEADER_VERSION = 1
HEADER_SIZE = 256
BOARD_LEN = 32
FLAG_SHARED_OBJECT = 0x1
FLAG_NO_AUTO_CONFIRM = 0x2

# magic, header_version, header_size, image_version, load_address, payload_size, flags, board, payload_sha256
_FIXED = struct.Struct("<4sHHIIII32s32s")
_HASHED = 224


@dataclass(frozen=True)
class ImageHeader:
    """A parsed image header."""

    image_version: int
    load_address: int
    payload_size: int
    flags: int
    board: str
    payload_sha256: bytes
    header_sha256: bytes

    @property
    def version(self) -> int:
        """Alias of ``image_version``."""
        return self.image_version

    @property
    def shared_object(self) -> bool:
        return bool(self.flags & FLAG_SHARED_OBJECT)

    @property
    def no_auto_confirm(self) -> bool:
        return bool(self.flags & FLAG_NO_AUTO_CONFIRM)

    @property
    def image_size(self) -> int:
        """Header plus payload bytes."""
        return HEADER_SIZE + self.payload_size


def _check_u32(name: str, value: int) -> None:
    if not 0 <= value <= 0xFFFFFFFF:
        raise ArgumentError(f"{name} must fit in a u32, got {value}")


def pack_image(payload: bytes, version: int, board: str, flags: int, load_address: int = 0) -> bytes:
    """Header + payload for ``board``; ``version`` is the u32 image version (higher is newer)."""
    _check_u32("version", version)
    _check_u32("flags", flags)
    _check_u32("load_address", load_address)
    _check_u32("payload size", len(payload))
    board_bytes = board.encode("utf-8")
    if not board_bytes or len(board_bytes) > BOARD_LEN or b"\0" in board_bytes:
        raise ArgumentError(f"board name must be 1..{BOARD_LEN} UTF-8 bytes without NUL, got {board!r}")
    fixed = _FIXED.pack(
        MAGIC,
        HEADER_VERSION,
        HEADER_SIZE,
        version,
        load_address,
        len(payload),
        flags,
        board_bytes.ljust(BOARD_LEN, b"\0"),
        hashlib.sha256(payload).digest(),
    )
    hashed = fixed.ljust(_HASHED, b"\0")
    return hashed + hashlib.sha256(hashed).digest() + bytes(payload)


def parse_image(data: bytes, check_payload: bool = True) -> ImageHeader:
    """Parse and check an image (header hash, and the payload hash when ``check_payload``).

    Raises IntegrityError for a bad magic, hash or truncated payload and
    ArgumentError for data too short to hold a header or an unsupported header version.
    """
    data = bytes(data)
    if len(data) < HEADER_SIZE:
        raise ArgumentError(f"image too short: {len(data)} bytes, the header alone is {HEADER_SIZE}")
    magic, hver, hsize, version, load, psize, flags, board_raw, psha = _FIXED.unpack_from(data, 0)
    if magic != MAGIC:
        raise IntegrityError(f"not an Earshot image: magic {magic!r}, expected {MAGIC!r}")
    header_sha = data[_HASHED:HEADER_SIZE]
    if hashlib.sha256(data[:_HASHED]).digest() != header_sha:
        raise IntegrityError("image header hash mismatch (corrupted header)")
    if hver != HEADER_VERSION or hsize != HEADER_SIZE:
        raise ArgumentError(f"unsupported image header version {hver} / size {hsize}")
    if any(data[_FIXED.size : _HASHED]):
        raise IntegrityError("reserved header bytes are not zero")
    try:
        board = board_raw.rstrip(b"\0").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IntegrityError(f"board name is not UTF-8: {board_raw!r}") from exc
    header = ImageHeader(version, load, psize, flags, board, psha, header_sha)
    if check_payload:
        payload = data[HEADER_SIZE : HEADER_SIZE + psize]
        if len(payload) != psize:
            raise IntegrityError(f"image truncated: payload {len(payload)} of {psize} bytes")
        if hashlib.sha256(payload).digest() != psha:
            raise IntegrityError("image payload hash mismatch")
    return header
