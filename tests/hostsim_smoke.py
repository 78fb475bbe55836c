"""End-to-end smoke run of the host_sim virtual board (not a pytest test).

    python tests/hostsim_smoke.py [--keep]

Starts build/host_sim/earshot-sim on an empty flash, talks PROTOCOL.md v1 over
its pseudo-terminal with a minimal client (COBS + CRC-32), flashes
build/host_sim/app.img, resets into the application, streams okay_nabu.wav
through AUDIO_IN and checks the WAKE event's sample index against
`earshot detect --json --refractory 2`. Build first: scons host_sim.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
import wave
import zlib
from pathlib import Path

import serial

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "build" / "host_sim" / "earshot-sim"
IMG = ROOT / "build" / "host_sim" / "app.img"
WAV = ROOT / "host_tools" / "earshot" / "data" / "samples" / "okay_nabu.wav"
BAUD = 921600

REQ, RSP, EVT = 1, 2, 3
HELLO, INFO, RESET = 0x01, 0x02, 0x03
ERASE, WRITE, VERIFY, COMMIT, STATUS = 0x10, 0x11, 0x12, 0x13, 0x14
AUDIO_IN, PROFILE = 0x20, 0x22
LOG, WAKE, BOOT = 0x80, 0x81, 0x82


def cobs_encode(data: bytes) -> bytes:
    out = bytearray([0])
    code_pos, code = 0, 1
    for b in data:
        if b == 0:
            out[code_pos] = code
            code_pos, code = len(out), 1
            out.append(0)
        else:
            out.append(b)
            code += 1
            if code == 0xFF:
                out[code_pos] = code
                code_pos, code = len(out), 1
                out.append(0)
    out[code_pos] = code
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        if code == 0 or i + code > len(data):
            raise ValueError("bad COBS")
        out += data[i + 1 : i + code]
        i += code
        if code != 0xFF and i < len(data):
            out.append(0)
    return bytes(out)


def frame(ftype: int, rid: int, code: int, payload: bytes = b"") -> bytes:
    raw = struct.pack("<BBHBBH", 1, ftype, rid, code, 0, len(payload)) + payload
    raw += struct.pack("<I", zlib.crc32(raw))
    return cobs_encode(raw) + b"\0"


class Client:
    def __init__(self, port: str) -> None:
        self.ser = serial.Serial(port, BAUD, timeout=0.05)
        self.ser.reset_input_buffer()
        self.buf = bytearray()
        self.events: list[tuple[int, bytes]] = []
        self.rid = 0

    def _frames(self, timeout: float):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            chunk = self.ser.read(4096)
            self.buf += chunk
            while b"\0" in self.buf:
                enc, _, rest = bytes(self.buf).partition(b"\0")
                self.buf = bytearray(rest)
                if not enc:
                    continue
                try:
                    raw = cobs_decode(enc)
                except ValueError:
                    print(f"(skipped an undecodable fragment of {len(enc)} bytes)")
                    continue
                body, crc = raw[:-4], struct.unpack("<I", raw[-4:])[0]
                if len(raw) < 12 or zlib.crc32(body) != crc:
                    print(f"(skipped a bad frame of {len(enc)} bytes)")
                    continue
                _ver, ftype, rid, code, _flags, length = struct.unpack_from("<BBHBBH", body)
                assert length == len(body) - 8
                yield ftype, rid, code, body[8:]

    def send(self, code: int, payload: bytes = b"") -> int:
        self.rid = (self.rid + 1) & 0xFFFF
        self.ser.write(frame(REQ, self.rid, code, payload))
        return self.rid

    def wait_rsp(self, rid: int, timeout: float = 10.0) -> tuple[int, bytes]:
        for ftype, frid, code, payload in self._frames(timeout):
            if ftype == EVT:
                self.events.append((code, payload))
            elif ftype == RSP and frid == rid:
                return struct.unpack("b", payload[:1])[0], payload[1:]
        raise TimeoutError(f"no response to request {rid}")

    def call(self, code: int, payload: bytes = b"", timeout: float = 10.0) -> bytes:
        status, result = self.wait_rsp(self.send(code, payload), timeout)
        if status != 0:
            raise RuntimeError(f"command 0x{code:02x} failed with status {status}")
        return result

    def wait_event(self, code: int, timeout: float = 10.0) -> bytes:
        for i, (c, p) in enumerate(self.events):
            if c == code:
                del self.events[i]
                return p
        for ftype, _rid, c, payload in self._frames(timeout):
            if ftype == EVT:
                if c == code:
                    return payload
                self.events.append((c, payload))
        raise TimeoutError(f"no event 0x{code:02x}")

    def drain_events(self, timeout: float) -> None:
        for ftype, _rid, c, payload in self._frames(timeout):
            if ftype == EVT:
                self.events.append((c, payload))


def hello(c: Client) -> tuple[int, int, str]:
    r = c.call(HELLO, struct.pack("<BH", 1, 4101))
    _version, max_payload, role, n = struct.unpack_from("<BHBB", r)
    return role, max_payload, r[5 : 5 + n].decode()


def logs(c: Client) -> list[str]:
    out = [p[1:].decode() for code, p in c.events if code == LOG]
    c.events = [(code, p) for code, p in c.events if code != LOG]
    return out


def main() -> int:
    assert SIM.is_file() and IMG.is_file(), "build first: scons host_sim"
    tmp = Path(tempfile.mkdtemp(prefix="hostsim-smoke-"))
    flash = tmp / "flash.bin"
    proc = subprocess.Popen(
        [str(SIM), "--print-port", "--flash", str(flash)], stdout=subprocess.PIPE, stderr=sys.stderr, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("PORT "), line
    port = line.split()[1]
    print(f"sim pid {proc.pid}, {line}")
    try:
        c = Client(port)
        role, max_payload, board = hello(c)
        print(f"HELLO: role {role}, max_payload {max_payload}, board {board}")
        assert role == 0 and board == "host_sim"
        info = json.loads(c.call(INFO))
        print("INFO (bootloader):", json.dumps(info))

        # RX pacing: 100 kB of garbage (one oversized frame, dropped), then a HELLO.
        t0 = time.monotonic()
        c.ser.write(b"\x55" * 100_000 + b"\0")
        hello(c)
        dt = time.monotonic() - t0
        print(f"pacing: 100000 bytes + HELLO at {BAUD} baud took {dt:.3f} s (line rate {100_000 * 10 / BAUD:.3f} s)")

        img = IMG.read_bytes()
        status = c.call(STATUS, bytes([0]))
        print(f"FLASH_STATUS slot 0: written {struct.unpack_from('<I', status)[0]}, state {status[36]}")
        t0 = time.monotonic()
        c.call(ERASE, struct.pack("<BI", 0, len(img)), timeout=30)
        t_erase = time.monotonic() - t0
        chunk = max_payload - 5
        t0 = time.monotonic()
        window: list[int] = []
        for off in range(0, len(img), chunk):
            window.append(c.send(WRITE, struct.pack("<BI", 0, off) + img[off : off + chunk]))
            if len(window) >= 4:
                st, _ = c.wait_rsp(window.pop(0), 10)
                assert st == 0, st
        for rid in window:
            st, res = c.wait_rsp(rid, 10)
            assert st == 0, st
        t_write = time.monotonic() - t0
        written = struct.unpack("<I", res)[0]
        print(
            f"FLASH_ERASE {t_erase:.2f} s; FLASH_WRITE {len(img)} bytes in {t_write:.2f} s "
            f"({len(img) * 10 / BAUD:.2f} s at line rate), written={written}"
        )
        match = c.call(VERIFY, struct.pack("<BI", 0, len(img)) + hashlib.sha256(img).digest())
        print(f"FLASH_VERIFY match={match[0]}")
        assert match[0] == 1
        c.call(COMMIT, bytes([0]))
        status = c.call(STATUS, bytes([0]))
        print(
            f"FLASH_COMMIT ok; FLASH_STATUS: written {struct.unpack_from('<I', status)[0]}, state {status[36]}, "
            f"header hash matches {status[4:36] == hashlib.sha256(img[:256]).digest()}"
        )
        c.call(RESET, bytes([0]))
        boot = c.wait_event(BOOT, 10)
        while boot[0] != 1:
            boot = c.wait_event(BOOT, 10)
        brole, bslot, bver, breason = struct.unpack("<BBIB", boot)
        print(f"BOOT event: role {brole}, slot {bslot}, version {bver}, reason {breason}")
        c.drain_events(0.5)
        for text in logs(c):
            print(f"LOG: {text}")
        role, _, _ = hello(c)
        assert role == 1
        info = json.loads(c.call(INFO))
        print("INFO (application):", json.dumps(info))
        assert info["slots"][0]["state"] == "confirmed"

        with wave.open(str(WAV)) as w:
            pcm = w.readframes(w.getnframes())
        t0 = time.monotonic()
        step = 3200
        for off in range(0, len(pcm), step):
            while True:
                st, res = c.wait_rsp(c.send(AUDIO_IN, pcm[off : off + step]), 10)
                if st == 0:
                    break
                assert st == -2, st  # ring buffer full: retry
                time.sleep(0.01)
        print(f"AUDIO_IN: {len(pcm) // 2} samples streamed in {time.monotonic() - t0:.2f} s")
        wake = c.wait_event(WAKE, 10)
        idx, sample, prob, n = struct.unpack_from("<BQfB", wake)
        name = wake[14 : 14 + n].decode()
        print(f"WAKE event: model {idx} {name}, sample {sample}, probability {prob:.4f}")
        c.drain_events(1.0)
        extra = [p for code, p in c.events if code == WAKE]
        ref = subprocess.run(
            [sys.executable, "-m", "earshot", "detect", "--json", "--refractory", "2", str(WAV)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        refs = [json.loads(x) for x in ref.splitlines() if x.startswith("{")]
        print(f"earshot detect: {refs}")
        expected = round(refs[0]["time_s"] * 16000)
        assert name == refs[0]["model"] and sample == expected, (name, sample, expected)
        assert len(extra) == len(refs) - 1, extra
        print(f"WAKE matches earshot detect: {name} at sample {sample} = {refs[0]['time_s']} s x 16000")
        prof = json.loads(c.call(PROFILE, bytes([0])))
        print("PROFILE:", json.dumps(prof))
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        print(f"sim exit code {proc.returncode}; stdout tail: {out.strip()}")
        if "--keep" not in sys.argv:
            for p in tmp.iterdir():
                p.unlink()
            os.rmdir(tmp)
    assert proc.returncode == 0
    print("SMOKE OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
