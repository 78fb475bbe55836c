"""A board on a serial port: requests with ids, retries and windows; events; the commands as an API.

``Device(port)`` opens the port (a tty path, or any pyserial URL such as
``socket://127.0.0.1:4000``), negotiates with HELLO and then offers every
command of docs/PROTOCOL.md as a method. A background thread reads the port,
matches responses to requests and queues events (logs, wake words, boots).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import serial

from . import lz
from .errors import (
    DeviceIOError,
    DeviceTimeoutError,
    EarshotError,
    IntegrityError,
    OutOfMemoryError,
    ProtocolError,
    error_for_status,
)
from .image import ImageHeader, parse_image
from .protocol import (
    DEFAULT_MAX_PAYLOAD,
    FLAG_MORE,
    VERSION,
    Cmd,
    Evt,
    Frame,
    FrameReader,
    FrameType,
    encode_frame,
    unpack_str,
)

DEFAULT_BAUD = 921600
FLAG_NO_AUTO_CONFIRM = 0x02
ROLE_NAMES = {0: "bootloader", 1: "application"}


@dataclass(frozen=True)
class Event:
    """Something the board reported on its own."""

    kind: str  # "log", "wake", "boot"
    data: dict[str, Any]
    time: float = field(default_factory=time.monotonic)


def _cmd_name(code: int) -> str:
    try:
        return Cmd(code).name
    except ValueError:
        return f"command {code:#04x}"


def _parse_event(frame: Frame) -> Event:
    p = frame.payload
    try:
        if frame.code == Evt.LOG:
            level = p[0] if p else 0
            return Event("log", {"level": level, "text": p[1:].decode("utf-8", errors="replace")})
        if frame.code == Evt.WAKE:
            model_index, sample_index, prob = struct.unpack_from("<BQf", p, 0)
            name, _ = unpack_str(p, 13)
            return Event(
                "wake",
                {
                    "model": name,
                    "model_index": model_index,
                    "sample_index": sample_index,
                    "time_s": sample_index / 16000,
                    "probability": prob,
                },
            )
        if frame.code == Evt.BOOT:
            role, slot, version, reason = struct.unpack_from("<BBIB", p, 0)
            return Event("boot", {"role": ROLE_NAMES.get(role, str(role)), "slot": slot, "version": version,
                                  "reason": reason})
    except (struct.error, IndexError, ProtocolError):
        return Event("malformed", {"code": frame.code, "payload": p.hex()})
    return Event("unknown", {"code": frame.code, "payload": p.hex()})


class Device:
    """A connected board."""

    def __init__(
        self,
        port: str | None = None,
        baud: int = DEFAULT_BAUD,
        timeout: float = 5.0,
        hello: bool = True,
    ) -> None:
        port = port or os.environ.get("EARSHOT_PORT")
        if not port:
            raise DeviceIOError("no port given (use -p/--port or set EARSHOT_PORT)")
        self.port = port
        self.baud = baud
        self.timeout = timeout
        try:
            self._ser = serial.serial_for_url(port, baudrate=baud, timeout=0.05, write_timeout=30)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceIOError(f"cannot open {port}: {exc}") from exc
        try:
            self._ser.reset_input_buffer()  # bytes a board sent before we opened are stale
        except (serial.SerialException, OSError):
            pass
        self._reader = FrameReader()
        self._lock = threading.Lock()
        self._next_id = 1
        self._pending: dict[int, queue.Queue[Frame]] = {}
        self.events: queue.Queue[Event] = queue.Queue()
        self._closed = threading.Event()
        self._rx_error: Exception | None = None
        self._thread = threading.Thread(target=self._rx_loop, name=f"earshot-rx {port}", daemon=True)
        self._thread.start()
        self.max_payload = DEFAULT_MAX_PAYLOAD
        self.role = ""
        self.board = ""
        if hello:
            self.hello()

    # ---- plumbing ----

    def _rx_loop(self) -> None:
        while not self._closed.is_set():
            try:
                data = self._ser.read(4096)
            except Exception as exc:  # pyserial raises several types when the port goes away
                if not self._closed.is_set():
                    self._rx_error = exc
                break
            if not data:
                continue
            for frame in self._reader.feed(data):
                if frame.type == FrameType.EVT:
                    self.events.put(_parse_event(frame))
                elif frame.type == FrameType.RSP:
                    with self._lock:
                        q = self._pending.get(frame.request_id)
                    if q is not None:
                        q.put(frame)

    def close(self) -> None:
        self._closed.set()
        try:
            self._ser.close()
        except (serial.SerialException, OSError):
            pass
        self._thread.join(timeout=2)

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, code: int, payload: bytes) -> tuple[int, queue.Queue[Frame]]:
        with self._lock:
            rid = self._next_id
            self._next_id = self._next_id % 0xFFFF + 1
            q: queue.Queue[Frame] = queue.Queue()
            self._pending[rid] = q
        self._write(encode_frame(Frame(FrameType.REQ, rid, code, payload)))
        return rid, q

    def _write(self, data: bytes) -> None:
        if self._rx_error is not None:
            raise DeviceIOError(f"{self.port}: link lost: {self._rx_error}")
        try:
            self._ser.write(data)
        except (serial.SerialException, OSError) as exc:
            raise DeviceIOError(f"{self.port}: write failed: {exc}") from exc

    def _wait(self, rid: int, q: queue.Queue[Frame], code: int, payload: bytes, timeout: float,
              retries: int) -> bytes:
        """Wait for the response of request ``rid``; retransmit (same id) on timeout."""
        try:
            for attempt in range(retries + 1):
                deadline = time.monotonic() + timeout
                parts: list[bytes] = []
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    try:
                        frame = q.get(timeout=min(left, 0.25))
                    except queue.Empty:
                        if self._rx_error is not None:
                            raise DeviceIOError(f"{self.port}: link lost: {self._rx_error}") from None
                        continue
                    if frame.code != code:
                        raise ProtocolError(f"response code {frame.code:#x} to request {code:#x}")
                    if not frame.payload:
                        raise ProtocolError("empty response (no status byte)")
                    status = struct.unpack_from("<b", frame.payload, 0)[0]
                    if status != 0:
                        raise error_for_status(status, f"{_cmd_name(code)} failed on the board")
                    parts.append(frame.payload[1:])
                    if not frame.flags & FLAG_MORE:
                        return b"".join(parts)
                if attempt < retries:
                    self._write(encode_frame(Frame(FrameType.REQ, rid, code, payload)))
            raise DeviceTimeoutError(f"{self.port}: no answer to {_cmd_name(code)} after {retries + 1} tries")
        finally:
            with self._lock:
                self._pending.pop(rid, None)

    def request(self, code: int, payload: bytes = b"", timeout: float | None = None, retries: int = 2) -> bytes:
        """Send one request and return its result payload (after the status byte)."""
        if len(payload) > self.max_payload:
            raise EarshotError(f"payload of {len(payload)} bytes exceeds the board's {self.max_payload}")
        t = timeout if timeout is not None else self._timeout_for(len(payload))
        rid, q = self._send(code, payload)
        return self._wait(rid, q, code, payload, t, retries)

    def _timeout_for(self, nbytes: int) -> float:
        # line time of the request and a worst-case response, plus the base timeout
        return self.timeout + 2 * (nbytes + 64) * 10 / self.baud

    # ---- commands ----

    def hello(self) -> dict[str, Any]:
        rsp = self.request(Cmd.HELLO, struct.pack("<BH", VERSION, 65535))
        version, max_payload, role = struct.unpack_from("<BHB", rsp, 0)
        board, _ = unpack_str(rsp, 4)
        self.max_payload = min(max_payload, 65535)
        self.role = ROLE_NAMES.get(role, str(role))
        self.board = board
        return {"version": version, "max_payload": max_payload, "role": self.role, "board": board}

    def info(self) -> dict[str, Any]:
        data = self.request(Cmd.INFO)
        try:
            result: dict[str, Any] = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ProtocolError(f"INFO is not JSON: {exc}") from exc
        return result

    def profile(self, reset: bool = False) -> dict[str, Any]:
        data = self.request(Cmd.PROFILE, bytes([1 if reset else 0]))
        result: dict[str, Any] = json.loads(data.decode("utf-8"))
        return result

    def reset(self, stay_in_bootloader: bool = False, wait: bool = True, timeout: float = 10.0) -> dict[str, Any]:
        """Reset the board; with ``wait``, return the BOOT event data of the next start."""
        self.drain_events()
        self.request(Cmd.RESET, bytes([1 if stay_in_bootloader else 0]))
        if not wait:
            return {}
        boot = self.wait_event("boot", timeout=timeout)
        self.hello()
        return boot.data

    def confirm(self) -> None:
        self.request(Cmd.CONFIRM)

    def flash_status(self, slot: int) -> dict[str, Any]:
        rsp = self.request(Cmd.FLASH_STATUS, bytes([slot]))
        written = struct.unpack_from("<I", rsp, 0)[0]
        header_hash = rsp[4:36]
        state = rsp[36] if len(rsp) > 36 else 0
        return {"written": written, "header_sha256": header_hash.hex(), "state": state}

    # ---- events ----

    def drain_events(self) -> list[Event]:
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out

    def wait_event(self, kind: str, timeout: float = 10.0, predicate: Callable[[Event], bool] | None = None) -> Event:
        """The next event of ``kind`` (matching ``predicate``); others are kept in :attr:`seen`."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeviceTimeoutError(f"{self.port}: no '{kind}' event within {timeout:.1f} s")
            try:
                ev = self.events.get(timeout=min(left, 0.25))
            except queue.Empty:
                if self._rx_error is not None:
                    raise DeviceIOError(f"{self.port}: link lost: {self._rx_error}") from None
                continue
            if ev.kind == kind and (predicate is None or predicate(ev)):
                return ev

    def iter_events(self, timeout: float | None = None) -> Iterator[Event]:
        """Events as they arrive; stops after ``timeout`` seconds of silence (None: never)."""
        while True:
            try:
                yield self.events.get(timeout=timeout if timeout is not None else 0.5)
            except queue.Empty:
                if timeout is not None:
                    return
                if self._rx_error is not None:
                    raise DeviceIOError(f"{self.port}: link lost: {self._rx_error}") from None

    # ---- audio ----

    def play(self, pcm: bytes, realtime: bool = False, chunk_ms: int = 100) -> int:
        """Stream s16le 16 kHz mono audio into the board's microphone; returns samples sent.

        Chunks go one at a time, in order; when the board's audio ring is full
        (ERR_NO_MEMORY, nothing queued) the same chunk is sent again shortly after.
        """
        if len(pcm) % 2:
            raise EarshotError("audio must be whole 16-bit samples")
        step = min(16000 * chunk_ms // 1000 * 2, (self.max_payload // 2) * 2)
        start = time.monotonic()
        sent = 0
        for off in range(0, len(pcm), step):
            chunk = pcm[off : off + step]
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    self.request(Cmd.AUDIO_IN, chunk)
                    break
                except OutOfMemoryError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)
            sent += len(chunk) // 2
            if realtime:
                ahead = start + sent / 16000 - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
        return sent

    # ---- flashing ----

    def flash(
        self,
        image: bytes,
        slot: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        force: bool = False,
        window: int = 4,
        reset: bool = True,
        compress: bool = True,
    ) -> dict[str, Any]:
        """Write ``image`` to the inactive slot, verify, commit and (optionally) reset into it.

        Skips the transfer when the slot already holds the same image, and
        resumes an interrupted transfer of the same image from where it stopped.
        """
        header: ImageHeader = parse_image(image)
        info = self.info()
        if slot is None:
            inactive = info.get("inactive_slot")
            running = info.get("running_slot")
            slot = int(inactive) if isinstance(inactive, int) else (1 - running if isinstance(running, int) else 0)
        header_hash = hashlib.sha256(image[:256]).hexdigest()
        result: dict[str, Any] = {"slot": slot, "bytes": len(image), "skipped": False, "resumed_at": 0}
        running = info.get("running_slot")
        if not force and isinstance(running, int) and running != slot:
            held = self.flash_status(running)
            if held["header_sha256"] == header_hash:
                result.update(slot=running, skipped=True)
                if progress:
                    progress(len(image), len(image))
                return result
        status = self.flash_status(slot)
        start = 0
        if not force and status["header_sha256"] == header_hash and 0 < status["written"] < len(image):
            start = status["written"] // 4 * 4
            result["resumed_at"] = start
        else:
            self.request(Cmd.FLASH_ERASE, struct.pack("<BI", slot, len(image)), timeout=self.timeout + 30)
        t0 = time.monotonic()
        lz_max = int(info.get("flash_lz", 0)) if compress else 0
        chunk = max(4, (self.max_payload - 5) // 4 * 4)
        if lz_max:
            chunk = min(chunk, lz_max // 4 * 4)
        inflight: list[tuple[int, queue.Queue[Frame], int, bytes, int]] = []
        done = start
        sent = 0

        def finish(entry: tuple[int, queue.Queue[Frame], int, bytes, int]) -> None:
            nonlocal done
            rid0, q0, code0, p0, raw0 = entry
            self._wait(rid0, q0, code0, p0, self._timeout_for(len(p0) * window), 2)
            done += raw0
            if progress:
                progress(done, len(image))

        for off in range(start, len(image), chunk):
            data = image[off : off + chunk]
            code, payload = Cmd.FLASH_WRITE, struct.pack("<BI", slot, off) + data
            if lz_max:
                packed = lz.compress(data)
                if len(packed) + 2 < len(data) and 7 + len(packed) <= self.max_payload:
                    code, payload = Cmd.FLASH_WRITE_LZ, struct.pack("<BIH", slot, off, len(data)) + packed
            rid, q = self._send(code, payload)
            sent += len(payload)
            inflight.append((rid, q, code, payload, len(data)))
            if len(inflight) >= window:
                finish(inflight.pop(0))
        for entry in inflight:
            finish(entry)
        result["seconds"] = time.monotonic() - t0
        result["payload_bytes_sent"] = sent
        digest = hashlib.sha256(image).digest()
        ok = self.request(Cmd.FLASH_VERIFY, struct.pack("<BI", slot, len(image)) + digest, timeout=self.timeout + 30)
        if not ok or ok[0] != 1:
            raise IntegrityError(f"slot {slot}: SHA-256 of the written image does not match")
        self.request(Cmd.FLASH_COMMIT, bytes([slot]))
        result["version"] = header.image_version
        if reset:
            result["boot"] = self.reset()
            if not header.flags & FLAG_NO_AUTO_CONFIRM:
                result["confirmed"] = self.wait_confirmed()
        return result

    def wait_confirmed(self, timeout: float = 10.0) -> bool:
        """Wait until the running application has confirmed its slot (it does so after starting)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.info()
            running = info.get("running_slot")
            if isinstance(running, int) and info["slots"][running]["state"] == "confirmed":
                return True
            time.sleep(0.05)
        return False
