"""C-level unit tests of the host_sim firmware pieces, through ctypes.

tests/c/hostsim_unit.c wraps the firmware's framing (COBS, CRC-32, parser,
builder), SHA-256, image header parsing, the boot rule and the host_sim flash
file driver; it is built here as a shared library (and as a small program for
the power-cut test, which has to kill its process).
"""

from __future__ import annotations

import ctypes
import hashlib
import itertools
import random
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from earshot.errors import IntegrityError
from earshot.image import FLAG_SHARED_OBJECT, HEADER_SIZE, pack_image, parse_image

REPO = Path(__file__).resolve().parents[1]
SOURCES = [
    "tests/c/hostsim_unit.c",
    "firmware/proto/proto.c",
    "firmware/common/sha256.c",
    "firmware/common/image.c",
    "firmware/common/flashcmd.c",
    "firmware/common/service.c",
    "firmware/boot/boot.c",
    "drivers/sim/flash_file.c",
    "drivers/sim/timer_posix.c",
]
INCLUDES = ["runtime/include", "drivers/include", "firmware/proto", "firmware/common", "firmware/boot", "drivers/sim"]
FLAGS = ["-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Wshadow", "-Wconversion", "-Wno-sign-conversion", "-Werror"]

ES_OK, ES_ERR_ARG, ES_ERR_PROTOCOL, ES_ERR_INTEGRITY, ES_ERR_VERSION = 0, -1, -12, -13, -14
ERASED = 0xFFFFFFFF
TORN = 0x0000FFFF


def _build(tmp: Path, extra: list[str], out: Path) -> None:
    cc = shutil.which("gcc")
    if cc is None:
        pytest.skip("gcc not found")
    cmd = [cc, *FLAGS, *extra, *(f"-I{REPO / i}" for i in INCLUDES), *(str(REPO / s) for s in SOURCES), "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def lib(tmp_path_factory) -> ctypes.CDLL:
    tmp = tmp_path_factory.mktemp("hostsim_unit")
    so = tmp / "hostsim_unit.so"
    _build(tmp, ["-shared", "-fPIC"], so)
    dll = ctypes.CDLL(str(so))
    p, sz, i, u32 = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_uint32
    signatures = {
        "t_crc32": (ctypes.c_uint32, [p, sz]),
        "t_cobs_encode": (sz, [p, sz, p, sz]),
        "t_cobs_decode": (i, [p, sz, p, sz, p]),
        "t_build": (sz, [i, i, i, p, sz, p, sz]),
        "t_parse": (i, [p, sz, p, p, p, p, p]),
        "t_sha256": (None, [p, sz, sz, p]),
        "t_image_parse": (i, [p, p, p, p]),
        "t_boot_decide": (i, [p, sz, p, p, p, p, p]),
        "t_flash_open": (i, [ctypes.c_char_p, ctypes.c_uint64]),
        "t_flash_prog": (i, [u32, ctypes.c_char_p, sz]),
        "t_flash_erase": (i, [u32, sz]),
        "t_flash_read": (i, [u32, p, sz]),
        "t_flash_ops": (ctypes.c_uint64, []),
        "t_flash_close": (None, []),
    }
    for name, (res, args) in signatures.items():
        fn = getattr(dll, name)
        fn.restype = res
        fn.argtypes = args
    return dll


@pytest.fixture(scope="module")
def flash_tool(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hostsim_unit_main")
    exe = tmp / "hostsim_unit"
    _build(tmp, ["-DHOSTSIM_UNIT_MAIN"], exe)
    return exe


def _buf(data: bytes) -> ctypes.Array[ctypes.c_char]:
    return ctypes.create_string_buffer(bytes(data), max(len(data), 1))


# ---- reference COBS (independent of the firmware) ----
def cobs_encode(data: bytes) -> bytes:
    out, block = bytearray(), bytearray()
    for b in data:
        if b == 0:
            out += bytes([len(block) + 1]) + block
            block = bytearray()
        else:
            block.append(b)
            if len(block) == 254:
                out += b"\xff" + block
                block = bytearray()
    out += bytes([len(block) + 1]) + block
    return bytes(out)


def c_cobs_encode(lib: ctypes.CDLL, data: bytes) -> bytes:
    cap = len(data) + len(data) // 254 + 1
    out = ctypes.create_string_buffer(cap)
    n = lib.t_cobs_encode(_buf(data), len(data), out, cap)
    assert n > 0
    return out.raw[:n]


def c_cobs_decode(lib: ctypes.CDLL, data: bytes, cap: int = 70000) -> tuple[int, bytes]:
    out = ctypes.create_string_buffer(cap)
    n = ctypes.c_size_t()
    st = lib.t_cobs_decode(_buf(data), len(data), out, cap, ctypes.byref(n))
    return st, out.raw[: n.value]


COBS_VECTORS = [
    (b"", b"\x01"),
    (b"\x00", b"\x01\x01"),
    (b"\x00\x00", b"\x01\x01\x01"),
    (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33"),
    (b"\x11\x22\x33\x44", b"\x05\x11\x22\x33\x44"),
    (b"\x11\x00\x00\x00", b"\x02\x11\x01\x01\x01"),
    (bytes(range(1, 255)), b"\xff" + bytes(range(1, 255)) + b"\x01"),
    (bytes(range(0, 255)), b"\x01\xff" + bytes(range(1, 255)) + b"\x01"),
    (bytes(range(1, 256)), b"\xff" + bytes(range(1, 255)) + b"\x02\xff"),
]


@pytest.mark.parametrize(("raw", "encoded"), COBS_VECTORS)
def test_cobs_vectors(lib, raw, encoded):
    assert cobs_encode(raw) == encoded
    assert c_cobs_encode(lib, raw) == encoded
    assert c_cobs_decode(lib, encoded) == (ES_OK, raw)


def test_cobs_random_roundtrip_and_rejects(lib):
    rng = random.Random(7)
    for _ in range(300):
        n = rng.choice([0, 1, 253, 254, 255, 508, rng.randrange(5000)])
        data = bytes(rng.choice([0, rng.randrange(256)]) for _ in range(n))
        enc = c_cobs_encode(lib, data)
        assert enc == cobs_encode(data) and b"\0" not in enc
        assert c_cobs_decode(lib, enc) == (ES_OK, data)
    assert c_cobs_decode(lib, b"\x05\x11\x22")[0] == ES_ERR_PROTOCOL  # code runs past the end
    assert c_cobs_decode(lib, b"\x03\x11\x00")[0] == ES_ERR_PROTOCOL  # zero inside
    assert c_cobs_decode(lib, b"\x05\x11\x22\x33\x44", cap=3)[0] == ES_ERR_PROTOCOL  # output too small


def test_crc32_matches_zlib(lib):
    assert lib.t_crc32(_buf(b"123456789"), 9) == 0xCBF43926
    rng = random.Random(3)
    for n in [0, 1, 2, 3, 4, 100, 4113]:
        data = rng.randbytes(n)
        assert lib.t_crc32(_buf(data), n) == zlib.crc32(data)


def py_frame(ftype: int, rid: int, code: int, payload: bytes, version: int = 1) -> bytes:
    raw = struct.pack("<BBHBBH", version, ftype, rid, code, 0, len(payload)) + payload
    return cobs_encode(raw + struct.pack("<I", zlib.crc32(raw))) + b"\0"


def c_parse(lib, wire: bytes) -> tuple[int, int, bytes, bytes]:
    frames, errors = ctypes.c_uint32(), ctypes.c_uint32()
    hdr, payload, n = ctypes.create_string_buffer(8), ctypes.create_string_buffer(70000), ctypes.c_size_t()
    lib.t_parse(_buf(wire), len(wire), ctypes.byref(frames), ctypes.byref(errors), hdr, payload, ctypes.byref(n))
    return frames.value, errors.value, hdr.raw, payload.raw[: n.value]


def test_builder_matches_python_and_parser_roundtrip(lib):
    rng = random.Random(11)
    for n in [0, 1, 254, 255, 1000, 4101]:
        payload = rng.randbytes(n)
        cap = 5000
        out = ctypes.create_string_buffer(cap)
        w = lib.t_build(2, 0x1234, 0x11, _buf(payload), n, out, cap)
        assert out.raw[:w] == py_frame(2, 0x1234, 0x11, payload)
        frames, errors, hdr, got = c_parse(lib, out.raw[:w])
        assert (frames, errors, got) == (1, 0, payload)
        assert struct.unpack("<BBHBBH", hdr) == (1, 2, 0x1234, 0x11, 0, n)
    out = ctypes.create_string_buffer(16)
    assert lib.t_build(1, 1, 1, _buf(b"x" * 100), 100, out, 16) == 0  # too small: refused


def test_parser_discards_and_resyncs(lib):
    good = py_frame(1, 7, 0x02, b"hello")
    raw = struct.pack("<BBHBBH", 1, 1, 7, 2, 0, 5) + b"hello"
    bad_crc = cobs_encode(raw + struct.pack("<I", zlib.crc32(raw) ^ 1)) + b"\0"
    raw_len = struct.pack("<BBHBBH", 1, 1, 7, 2, 0, 9) + b"hello"
    bad_len = cobs_encode(raw_len + struct.pack("<I", zlib.crc32(raw_len))) + b"\0"
    short = cobs_encode(b"\x01\x01\x00") + b"\0"
    bad_cobs = b"\x09\x01\x02\0"
    oversized = b"\x55" * 10000 + b"\0"
    truncated = good[: len(good) // 2]
    wire = b"\0\0" + bad_crc + bad_len + short + bad_cobs + oversized + truncated + b"\0" + good
    frames, errors, hdr, payload = c_parse(lib, wire)
    assert frames == 1 and payload == b"hello"
    assert errors == 6
    # A frame of another version is delivered (the dispatcher answers ERR_VERSION).
    frames, errors, hdr, _ = c_parse(lib, py_frame(1, 9, 1, b"", version=2))
    assert (frames, errors, hdr[0]) == (1, 0, 2)


def test_sha256_matches_hashlib(lib):
    rng = random.Random(5)
    vectors = [b"", b"abc", b"a" * 55, b"a" * 56, b"a" * 63, b"a" * 64, b"a" * 65, rng.randbytes(100000)]
    for data in vectors:
        for chunk in (0, 1, 3, 63, 64, 65, 1000):
            out = ctypes.create_string_buffer(32)
            lib.t_sha256(_buf(data), len(data), chunk, out)
            assert out.raw == hashlib.sha256(data).digest(), (len(data), chunk)


def c_image_parse(lib, raw: bytes) -> int:
    v, s, f = ctypes.c_uint32(), ctypes.c_uint32(), ctypes.c_uint32()
    return lib.t_image_parse(_buf(raw[:HEADER_SIZE]), ctypes.byref(v), ctypes.byref(s), ctypes.byref(f))


def test_image_pack_parse_python_and_c(lib):
    payload = random.Random(1).randbytes(3000)
    img = pack_image(payload, 7, "host_sim", FLAG_SHARED_OBJECT)
    h = parse_image(img)
    assert (h.image_version, h.payload_size, h.board, h.flags) == (7, 3000, "host_sim", 1)
    assert h.payload_sha256 == hashlib.sha256(payload).digest()
    assert h.header_sha256 == hashlib.sha256(img[:224]).digest()
    assert c_image_parse(lib, img) == ES_OK
    tampered = bytearray(img)
    tampered[10] ^= 1
    assert c_image_parse(lib, bytes(tampered)) == ES_ERR_INTEGRITY
    with pytest.raises(IntegrityError):
        parse_image(bytes(tampered))
    bad_payload = img[:-1] + bytes([img[-1] ^ 1])
    with pytest.raises(IntegrityError):
        parse_image(bad_payload)
    newer = bytearray(img)
    newer[4] = 2  # header_version 2, rehashed
    newer[224:256] = hashlib.sha256(bytes(newer[:224])).digest()
    assert c_image_parse(lib, bytes(newer)) == ES_ERR_VERSION


# ---- boot rule: every combination of image kind and trailer words in two slots ----
SLOT = 16 * 1024
SECTOR = 4096
KINDS = ["none", "v1", "v2", "corrupt", "other_board"]
WORD_VALUES = [ERASED, 0, TORN]


def slot_bytes(kind: str, words: tuple[int, int, int]) -> bytes:
    mem = bytearray(b"\xff" * SLOT)
    if kind != "none":
        payload = bytes(range(256)) * 4
        version = 2 if kind == "v2" else 1
        img = bytearray(pack_image(payload, version, "other" if kind == "other_board" else "host_sim", 1))
        if kind == "corrupt":
            img[-1] ^= 0xFF
        mem[: len(img)] = img
    mem[SLOT - SECTOR : SLOT - SECTOR + 12] = struct.pack("<III", *words)
    return bytes(mem)


def expected_decision(slots):
    def valid(k):
        return k in ("v1", "v2")

    def version(k):
        return 2 if k == "v2" else 1

    pending = [i for i, (k, (p, t, c)) in enumerate(slots) if valid(k) and p == 0 and t == ERASED and c != 0]
    confirmed = [i for i, (k, (_p, _t, c)) in enumerate(slots) if valid(k) and c == 0]
    failed = [i for i, (k, (_p, t, c)) in enumerate(slots) if valid(k) and t != ERASED and c != 0]

    def best(cands):
        return max(cands, key=lambda i: (version(slots[i][0]), -i))

    if pending:
        return 1, best(pending), 1, 0
    if confirmed:
        s = best(confirmed)
        return 1, s, 0, int(any(i != s for i in failed))
    return 0, None, 0, 0


def expected_state(kind, words):
    p, t, c = words
    if kind not in ("v1", "v2"):
        return 0
    if c == 0:
        return 4
    if t != ERASED:
        return 3
    return 2 if p == 0 else 1


def test_boot_decision_every_combination(lib):
    combos = list(itertools.product(KINDS, itertools.product(WORD_VALUES, repeat=3)))
    images = {c: slot_bytes(*c) for c in combos}
    start, slot, set_tried, rollback = (ctypes.c_int() for _ in range(4))
    states = (ctypes.c_int * 2)()
    checked = 0
    for a, b in itertools.product(combos, repeat=2):
        mem = bytearray(images[a] + images[b])
        buf = (ctypes.c_uint8 * len(mem)).from_buffer(mem)
        st = lib.t_boot_decide(
            buf,
            len(mem),
            ctypes.byref(start),
            ctypes.byref(slot),
            ctypes.byref(set_tried),
            ctypes.byref(rollback),
            states,
        )
        assert st == ES_OK
        exp_start, exp_slot, exp_tried, exp_rollback = expected_decision([a, b])
        got = (start.value, slot.value if start.value else None, set_tried.value, rollback.value)
        assert got == (exp_start, exp_slot, exp_tried, exp_rollback), (a, b)
        assert list(states) == [expected_state(*a), expected_state(*b)], (a, b)
        if exp_tried:
            base = exp_slot * SLOT + SLOT - SECTOR
            assert struct.unpack_from("<I", mem, base + 4)[0] == 0, "TRIED not programmed"
        checked += 1
    assert checked == len(combos) ** 2 == 135**2


# ---- flash file driver ----
def test_flash_semantics(lib, tmp_path):
    path = str(tmp_path / "flash.bin").encode()
    assert lib.t_flash_open(path, 0) == ES_OK
    try:
        assert (tmp_path / "flash.bin").stat().st_size == 4 * 1024 * 1024
        out = ctypes.create_string_buffer(8)
        assert lib.t_flash_read(0, out, 8) == ES_OK and out.raw == b"\xff" * 8
        assert lib.t_flash_prog(16, b"\xf0\x0f\xaa\x55", 4) == ES_OK
        assert lib.t_flash_prog(16, b"\x3c\xff\xff\x0f", 4) == ES_OK  # only clears bits: AND
        lib.t_flash_read(16, out, 4)
        assert out.raw[:4] == bytes([0xF0 & 0x3C, 0x0F, 0xAA, 0x05])
        assert lib.t_flash_prog(17, b"\0\0\0\0", 4) == ES_ERR_ARG  # misaligned address
        assert lib.t_flash_prog(16, b"\0\0", 2) == ES_ERR_ARG  # misaligned length
        assert lib.t_flash_prog(4 * 1024 * 1024 - 4, b"\0" * 8, 8) == ES_ERR_ARG  # out of range
        assert lib.t_flash_erase(100, 4096) == ES_ERR_ARG
        assert lib.t_flash_erase(4 * 1024 * 1024, 4096) == ES_ERR_ARG
        assert lib.t_flash_erase(0, 4096) == ES_OK
        lib.t_flash_read(16, out, 4)
        assert out.raw[:4] == b"\xff" * 4
        assert lib.t_flash_ops() == 3  # two progs + one sector erase (rejected calls do not count)
    finally:
        lib.t_flash_close()


def test_power_cut_partial_effect(flash_tool, tmp_path):
    flash = tmp_path / "flash.bin"
    # op 1: prog 64 bytes of 0x00 at 4096, op 2: prog cut -> only the first 32 bytes at 8192.
    r = subprocess.run(
        [str(flash_tool), str(flash), "2", "p:4096:64:0", "p:8192:64:0", "p:0:4:0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 99, r.stdout + r.stderr
    data = flash.read_bytes()
    assert data[4096:4160] == b"\0" * 64
    assert data[8192:8224] == b"\0" * 32 and data[8224:8256] == b"\xff" * 32
    assert data[0:4] == b"\xff" * 4  # nothing after the cut
    # Odd lengths round the torn half down to the write granularity (4): 12 bytes -> 4.
    r = subprocess.run([str(flash_tool), str(flash), "1", "p:12288:12:0"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 99
    data = flash.read_bytes()
    assert data[12288:12292] == b"\0" * 4 and data[12292:12300] == b"\xff" * 8
    # Erase torn: only the first half of the sector is erased.
    r = subprocess.run(
        [str(flash_tool), str(flash), "2", "p:16384:4096:0", "e:16384:4096"], capture_output=True, text=True, timeout=30
    )
    assert r.returncode == 99
    data = flash.read_bytes()
    assert data[16384 : 16384 + 2048] == b"\xff" * 2048 and data[16384 + 2048 : 20480] == b"\0" * 2048
    # Without a cut everything applies and the counter reports the operations.
    r = subprocess.run(
        [str(flash_tool), str(flash), "0", "e:16384:8192", "p:16384:8:0"], capture_output=True, text=True, timeout=30
    )
    assert r.returncode == 0 and "ops 3" in r.stdout, r.stdout
