"""The Earshot serial protocol, host side: COBS framing, CRC-32, frame codec (docs/PROTOCOL.md)."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from enum import IntEnum

from .errors import ProtocolError

VERSION = 1
HEADER = struct.Struct("<BBHBBH")  # version, type, request_id, code, flags, length
CRC = struct.Struct("<I")
FLAG_MORE = 0x01
DEFAULT_MAX_PAYLOAD = 4096


class FrameType(IntEnum):
    REQ = 1
    RSP = 2
    EVT = 3


class Cmd(IntEnum):
    HELLO = 0x01
    INFO = 0x02
    RESET = 0x03
    FLASH_ERASE = 0x10
    FLASH_WRITE = 0x11
    FLASH_VERIFY = 0x12
    FLASH_COMMIT = 0x13
    FLASH_STATUS = 0x14
    CONFIRM = 0x15
    FLASH_WRITE_LZ = 0x16
    AUDIO_IN = 0x20
    AUDIO_OUT = 0x21
    PROFILE = 0x22
    LOG_LEVEL = 0x23


class Evt(IntEnum):
    LOG = 0x80
    WAKE = 0x81
    BOOT = 0x82


@dataclass(frozen=True)
class Frame:
    type: int
    request_id: int
    code: int
    payload: bytes = b""
    flags: int = 0
    version: int = VERSION


def cobs_encode(data: bytes) -> bytes:
    """COBS-encode ``data`` (the result contains no zero byte)."""
    out = bytearray()
    block = bytearray()
    for byte in data:
        if byte == 0:
            out.append(len(block) + 1)
            out += block
            block.clear()
        else:
            block.append(byte)
            if len(block) == 254:
                out.append(255)
                out += block
                block.clear()
    out.append(len(block) + 1)
    out += block
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    """Inverse of :func:`cobs_encode`; raises ProtocolError on malformed input."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        code = data[i]
        if code == 0:
            raise ProtocolError("COBS: zero byte inside a frame")
        end = i + code
        if end > n:
            raise ProtocolError("COBS: block runs past the end of the frame")
        chunk = data[i + 1 : end]
        if 0 in chunk:
            raise ProtocolError("COBS: zero byte inside a block")
        out += chunk
        i = end
        if code != 255 and i < n:
            out.append(0)
    return bytes(out)


def encode_frame(frame: Frame) -> bytes:
    """Wire bytes of a frame, including the terminating zero."""
    body = HEADER.pack(frame.version, frame.type, frame.request_id, frame.code, frame.flags, len(frame.payload))
    body += frame.payload
    body += CRC.pack(zlib.crc32(body) & 0xFFFFFFFF)
    return cobs_encode(body) + b"\x00"


def decode_frame(encoded: bytes) -> Frame:
    """Decode one frame (without its terminating zero); ProtocolError names what is wrong."""
    body = cobs_decode(encoded)
    if len(body) < HEADER.size + CRC.size:
        raise ProtocolError(f"frame too short ({len(body)} bytes)")
    (crc,) = CRC.unpack_from(body, len(body) - CRC.size)
    if zlib.crc32(body[: -CRC.size]) & 0xFFFFFFFF != crc:
        raise ProtocolError("frame CRC mismatch")
    version, ftype, rid, code, flags, length = HEADER.unpack_from(body, 0)
    payload = body[HEADER.size : -CRC.size]
    if length != len(payload):
        raise ProtocolError(f"frame length field {length} but {len(payload)} payload bytes")
    return Frame(ftype, rid, code, bytes(payload), flags, version)


class FrameReader:
    """Splits a byte stream into frames; bad frames are counted and skipped."""

    def __init__(self, max_frame: int = 65536) -> None:
        self._buf = bytearray()
        self._skipping = False
        self.max_frame = max_frame
        self.errors = 0

    def feed(self, data: bytes) -> list[Frame]:
        frames: list[Frame] = []
        for byte in data:
            if byte == 0:
                if self._skipping:
                    self._skipping = False
                elif self._buf:
                    try:
                        frames.append(decode_frame(bytes(self._buf)))
                    except ProtocolError:
                        self.errors += 1
                self._buf.clear()
            elif not self._skipping:
                self._buf.append(byte)
                if len(self._buf) > self.max_frame:
                    self.errors += 1
                    self._buf.clear()
                    self._skipping = True
        return frames


def pack_str(text: str) -> bytes:
    raw = text.encode("utf-8")[:255]
    return bytes([len(raw)]) + raw


def unpack_str(data: bytes, offset: int = 0) -> tuple[str, int]:
    if offset >= len(data):
        raise ProtocolError("string field missing")
    n = data[offset]
    end = offset + 1 + n
    if end > len(data):
        raise ProtocolError("string field runs past the payload")
    return data[offset + 1 : end].decode("utf-8", errors="replace"), end
