"""Boards: their descriptions (boards/<name>/board.json), building their firmware, starting virtual ones."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from .errors import ConfigError, DeviceIOError, DeviceTimeoutError

ROOT = Path(__file__).resolve().parents[2]
BOARDS_DIR = ROOT / "boards"
BUILD_DIR = ROOT / "build"


@dataclass(frozen=True)
class BoardSpec:
    """What a board is and can do, from its board.json."""

    name: str
    capabilities: tuple[str, ...]
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def default_baud(self) -> int:
        return int(self.raw.get("baud", 921600))

    def has(self, capability: str) -> bool:
        return capability in self.capabilities


def board_names() -> list[str]:
    return sorted(p.parent.name for p in BOARDS_DIR.glob("*/board.json"))


def board_spec(name: str) -> BoardSpec:
    path = BOARDS_DIR / name / "board.json"
    if not path.is_file():
        raise ConfigError(f"unknown board '{name}': known boards are {', '.join(board_names()) or '(none)'}")
    raw = json.loads(path.read_text())
    return BoardSpec(name=name, capabilities=tuple(raw.get("capabilities", [])), raw=raw)


def build_dir(board: str) -> Path:
    return BUILD_DIR / board


def build(board: str, version: int = 1, small: bool = False, no_confirm: bool = False, quiet: bool = True) -> Path:
    """Build the firmware of ``board`` with SCons; returns the image path."""
    board_spec(board)
    args = [sys.executable, "-m", "SCons", "-Q", board, f"version={version}"]
    if small:
        args.append("small=1")
    if no_confirm:
        args.append("noconfirm=1")
    proc = subprocess.run(args, cwd=ROOT, capture_output=quiet, text=True, check=False)
    if proc.returncode != 0:
        out = (proc.stdout or "") + (proc.stderr or "")
        raise ConfigError(f"firmware build for {board} failed:\n{out[-4000:]}")
    name = "app-small.img" if small else "app.img"
    if no_confirm:
        name = name.replace(".img", "-noconfirm.img")
    image = build_dir(board) / name
    if not image.is_file():
        candidates = sorted(build_dir(board).glob("*.img"), key=lambda p: p.stat().st_mtime)
        if not candidates:
            raise ConfigError(f"the {board} build produced no image in {build_dir(board)}")
        image = candidates[-1]
    return image


class _BoardProcess:
    """What every started board shares: a child process, its log file, an optional temporary flash."""

    proc: subprocess.Popen[Any]
    _log: Any
    _tmp: tempfile.TemporaryDirectory[str] | None

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout: float | None = None) -> int:
        return self.proc.wait(timeout=timeout)

    def power_off(self) -> None:
        """Cut power: kill the process at once, flash left as it is."""
        if self.alive:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        if not self._log.closed:
            self._log.close()

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SimBoard(_BoardProcess):
    """A running host_sim process: the virtual board behind a paced pseudo-terminal."""

    def __init__(
        self,
        flash: str | Path | None = None,
        baud: int = 921600,
        cut_after: int | None = None,
        tcp_port: int | None = None,
        start_timeout: float = 10.0,
    ) -> None:
        exe = build_dir("host_sim") / "earshot-sim"
        if not exe.is_file():
            build("host_sim")
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if flash is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="earshot-sim-")
            flash = Path(self._tmp.name) / "flash.bin"
        self.flash = Path(flash)
        self.baud = baud
        args = [str(exe), "--flash", str(self.flash), "--baud", str(baud), "--print-port"]
        if cut_after is not None:
            args += ["--cut-after", str(cut_after)]
        if tcp_port is not None:
            args += ["--tcp", str(tcp_port)]
        self.log_path = self.flash.with_suffix(".log")
        self._log = self.log_path.open("a")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log, text=True)
        self.port = self._read_port(start_timeout)

    def _read_port(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                line = self.proc.stdout.readline()
                if line.startswith("PORT "):
                    return line.split(None, 1)[1].strip()
                if not line and self.proc.poll() is not None:
                    break
        self.stop()
        err = self.log_path.read_text(errors="replace")[-500:] if self.log_path.exists() else ""
        raise DeviceTimeoutError(f"host_sim did not report its port: {err.strip()}")



def _free_tcp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class QemuBoard(_BoardProcess):
    """qemu_an547: QEMU ``mps3-an547`` (Cortex-M55) running the bootloader ELF.

    The UART is a TCP server on 127.0.0.1 (port ``socket://127.0.0.1:PORT``);
    the flash is a 4 MiB host file the firmware reads and writes through
    semihosting (created erased when absent), so it persists across runs.
    Same interface as :class:`SimBoard`. ``plugin`` loads a TCG plugin
    (``-plugin VALUE``), e.g. the instruction counter of
    :func:`earshot.insns.plugin_arg`
    (``build/qemu_an547/insn_count.so,start=0x...,end=0x...,out=FILE``).
    """

    MACHINE = "mps3-an547"

    def __init__(
        self,
        flash: str | Path | None = None,
        baud: int | None = None,
        cut_after: int | None = None,
        tcp_port: int | None = None,
        start_timeout: float = 20.0,
        board: str = "qemu_an547",
        plugin: str | None = None,
    ) -> None:
        if cut_after is not None:
            raise ConfigError(f"{board} cannot cut power at a flash operation (no power_cut capability)")
        spec = board_spec(board)
        exe = build_dir(board) / "boot.elf"
        if not exe.is_file():
            build(board)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if flash is None:
            self._tmp = tempfile.TemporaryDirectory(prefix=f"earshot-{board}-")
            flash = Path(self._tmp.name) / "flash.bin"
        self.flash = Path(flash).resolve()
        if "," in str(self.flash) or " " in str(self.flash):
            raise ConfigError(f"flash path must not contain commas or spaces: {self.flash}")
        self.baud = int(baud or spec.default_baud)
        self.tcp_port = int(tcp_port) if tcp_port is not None else _free_tcp_port()
        qemu = os.environ.get("EARSHOT_QEMU", "qemu-system-arm")
        args = [
            qemu, "-M", self.MACHINE, "-display", "none", "-monitor", "none",
            "-serial", f"tcp:127.0.0.1:{self.tcp_port},server=on,wait=off",
            "-semihosting-config", f"enable=on,target=native,arg={board},arg=flash={self.flash}",
            "-kernel", str(exe),
        ]
        if plugin:
            args += ["-plugin", plugin]
        self.log_path = self.flash.with_suffix(".log")
        self._log = self.log_path.open("a")
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        except OSError as exc:
            self._log.close()
            raise ConfigError(f"cannot start {qemu}: {exc}") from None
        self.port = f"socket://127.0.0.1:{self.tcp_port}"
        self._wait_listening(start_timeout)

    def _wait_listening(self, timeout: float) -> None:
        import socket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.tcp_port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        err = self.log_path.read_text(errors="replace")[-500:] if self.log_path.exists() else ""
        raise DeviceTimeoutError(f"qemu did not open its UART port {self.tcp_port}: {err.strip()}")



def start_board(name: str, **kwargs: Any) -> SimBoard | QemuBoard:
    spec = board_spec(name)
    if name == "host_sim":
        kwargs.setdefault("baud", spec.default_baud)
        return SimBoard(**kwargs)
    if spec.raw.get("emulator") == "qemu":
        return QemuBoard(board=name, **kwargs)
    raise ConfigError(f"board '{name}' cannot be started from here")


STATE_FILE = BUILD_DIR / "board-state.json"


def remember(board: SimBoard | QemuBoard, name: str) -> None:
    STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(json.dumps({"board": name, "port": board.port, "pid": board.proc.pid,
                                      "baud": board.baud, "flash": str(board.flash)}))


def remembered_port() -> tuple[str, int] | None:
    """Port and baud of the board last started with ``earshot board start --detach``, if it still runs."""
    try:
        state = json.loads(STATE_FILE.read_text())
        os.kill(int(state["pid"]), 0)
        return str(state["port"]), int(state["baud"])
    except (OSError, ValueError, KeyError, json.JSONDecodeError):
        return None


def require_port(port: str | None) -> str:
    if port:
        return port
    env = os.environ.get("EARSHOT_PORT")
    if env:
        return env
    rem = remembered_port()
    if rem:
        return rem[0]
    raise DeviceIOError("no port: give -p/--port, set EARSHOT_PORT, or start a board with `earshot board start`")
