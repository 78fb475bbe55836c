"""Host side of the serial protocol: COBS, frames, the stream reader, LZ blocks."""

from __future__ import annotations

import os
import random

import pytest

from earshot import lz
from earshot.errors import ProtocolError
from earshot.protocol import Cmd, Frame, FrameReader, FrameType, cobs_decode, cobs_encode, decode_frame, encode_frame

COBS_CASES = [b"", b"\x00", b"\x00\x00", b"abc", bytes(range(256)) * 3, b"\x01" * 254, b"\x01" * 255]


@pytest.mark.parametrize("data", COBS_CASES)
def test_cobs_round_trip(data: bytes) -> None:
    enc = cobs_encode(data)
    assert 0 not in enc
    assert cobs_decode(enc) == data
    assert len(enc) <= len(data) + 1 + len(data) // 254


def test_frames_round_trip_and_reject_damage() -> None:
    f = Frame(FrameType.REQ, 513, Cmd.FLASH_WRITE, os.urandom(3000))
    wire = encode_frame(f)
    assert wire.endswith(b"\x00") and wire.count(0) == 1
    assert decode_frame(wire[:-1]) == f
    damaged = bytearray(wire[:-1])
    damaged[10] ^= 0x40
    with pytest.raises(ProtocolError):
        decode_frame(bytes(damaged))
    with pytest.raises(ProtocolError):
        decode_frame(wire[:5])


def test_reader_resynchronises_after_garbage() -> None:
    rng = random.Random(4)
    frames = [Frame(FrameType.EVT, 0, 0x80 + i % 3, os.urandom(rng.randint(0, 600))) for i in range(50)]
    stream = bytearray()
    for f in frames:
        stream += bytes(rng.randrange(1, 256) for _ in range(rng.randint(0, 40))) + b"\x00"  # garbage, then a frame
        stream += encode_frame(f)
    reader = FrameReader(max_frame=2048)
    got = []
    for i in range(0, len(stream), 97):
        got += reader.feed(bytes(stream[i : i + 97]))
    assert got == frames
    assert reader.errors > 0


def test_lz_round_trip_and_ratio() -> None:
    rng = random.Random(1)
    for data in [b"", b"x", os.urandom(4096), b"\x00" * 4096, bytes(rng.choice(b"abcd") for _ in range(4096))]:
        assert lz.decompress(lz.compress(data)) == data
    assert len(lz.compress(b"\x00" * 4096)) < 40


@pytest.mark.parametrize("block", [b"\xf0", b"\x1fa\x01\x00", b"\x00\x01\x00", b"\x10a\x05\x00"])
def test_lz_malformed_blocks(block: bytes) -> None:
    with pytest.raises(ValueError):
        lz.decompress(block)
