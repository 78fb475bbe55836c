"""Hostile link: garbage, truncated frames, bad checksums, oversized lengths, unknown commands,
a host that vanishes mid-frame. The board answers with an error or ignores the frame, and keeps running."""

from __future__ import annotations

import os
import struct
import time
import zlib

import pytest
import serial

from earshot.errors import UnsupportedError
from earshot.protocol import HEADER, VERSION, Cmd, Frame, FrameType, cobs_encode, encode_frame
from earshot.pytest_plugin import Dut

pytestmark = pytest.mark.hil


def raw_write(dut: Dut, data: bytes) -> None:
    dut.device._write(data)  # bypass framing on purpose
    time.sleep(len(data) * 10 / dut.baud + 0.05)


def still_alive(dut: Dut) -> None:
    hello = dut.device.hello()
    assert hello["role"] in ("application", "bootloader")


def test_garbage_bytes(dut: Dut) -> None:
    rng = os.urandom(20000)
    raw_write(dut, rng)
    raw_write(dut, b"\x00")
    still_alive(dut)
    assert dut.info()["rx_errors"] > 0


def test_truncated_and_bad_crc_frames(dut: Dut) -> None:
    good = encode_frame(Frame(FrameType.REQ, 77, Cmd.INFO))
    raw_write(dut, good[: len(good) // 2] + b"\x00")  # truncated
    body = bytearray(HEADER.pack(VERSION, FrameType.REQ, 78, Cmd.INFO, 0, 0))
    body += struct.pack("<I", (zlib.crc32(bytes(body)) ^ 1) & 0xFFFFFFFF)  # wrong CRC
    raw_write(dut, cobs_encode(bytes(body)) + b"\x00")
    still_alive(dut)


def test_oversized_length_field_and_endless_frame(dut: Dut) -> None:
    body = bytearray(HEADER.pack(VERSION, FrameType.REQ, 79, Cmd.FLASH_WRITE, 0, 65535)) + b"\x01" * 16
    body += struct.pack("<I", zlib.crc32(bytes(body)) & 0xFFFFFFFF)
    raw_write(dut, cobs_encode(bytes(body)) + b"\x00")
    raw_write(dut, b"\x01" * 200000 + b"\x00")  # a frame longer than any buffer
    still_alive(dut)


def test_unknown_command_and_version(dut: Dut) -> None:
    with pytest.raises(UnsupportedError):
        dut.device.request(0x5A, b"xyz", retries=0)
    raw_write(dut, encode_frame(Frame(FrameType.REQ, 80, Cmd.INFO, version=9)))
    raw_write(dut, encode_frame(Frame(7, 81, Cmd.INFO)))
    still_alive(dut)


def test_malformed_payloads_get_errors(dut: Dut) -> None:
    from earshot.errors import EarshotError

    for code, payload in [(Cmd.FLASH_WRITE, b"\x05"), (Cmd.FLASH_ERASE, b"\x09\x00\x00\x00\x00"),
                          (Cmd.AUDIO_IN, b"\x01\x02\x03"), (Cmd.FLASH_VERIFY, b"")]:
        with pytest.raises(EarshotError):
            dut.device.request(code, payload, retries=0)
    still_alive(dut)


def test_host_disappears_mid_frame(dut: Dut) -> None:
    frame = encode_frame(Frame(FrameType.REQ, 90, Cmd.FLASH_WRITE, b"\x01" + b"\x00" * 4 + b"\xaa" * 3000))
    dut.device.close()
    with serial.serial_for_url(dut.port, baudrate=dut.baud, timeout=0.1) as s:
        s.write(frame[: len(frame) // 3])
        s.flush()
    dut.reconnect()
    still_alive(dut)


def test_malformed_compressed_writes_are_refused(dut: Dut) -> None:
    from earshot import lz
    from earshot.errors import ArgumentError
    from earshot.errors import ProtocolError as BoardProtocolError

    slot = int(dut.info()["inactive_slot"])
    good = lz.compress(b"\xab" * 64)
    bad_blocks = [
        good[:-3],  # truncated
        bytes([0x0F, 0x10, 0x00]),  # match before any output (offset beyond the start)
        bytes([0xF0]) + b"\xff" * 40,  # literal length running past the block
        bytes([0x1F, 0x41, 0x01, 0x00]) + b"\xff" * 20,  # match length runs past the block
    ]
    for block in bad_blocks:
        payload = struct.pack("<BIH", slot, 0, 64) + block
        with pytest.raises(BoardProtocolError):
            dut.device.request(Cmd.FLASH_WRITE_LZ, payload, retries=0)
    with pytest.raises(BoardProtocolError):  # decodes to fewer bytes than announced
        dut.device.request(Cmd.FLASH_WRITE_LZ, struct.pack("<BIH", slot, 0, 65) + good, retries=0)
    with pytest.raises(ArgumentError):  # more than 4096 bytes
        dut.device.request(Cmd.FLASH_WRITE_LZ, struct.pack("<BIH", slot, 0, 5000) + good, retries=0)
    still_alive(dut)
