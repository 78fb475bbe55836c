"""pytest plugin for hardware-in-the-loop tests: ``--board``, ``--port`` and the ``dut`` fixture.

Without ``--port`` the plugin starts the virtual board (``--board``, default
host_sim) with a fresh flash, builds the firmware and flashes it once per
session. With ``--port`` it talks to whatever board is there (a bench board),
and tests that need a capability the board lacks are reported as skipped:
mark them ``@pytest.mark.requires("power_cut")``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .audio import read_wav
from .boards import SimBoard, board_spec, build, start_board
from .device import Device, Event
from .errors import DeviceTimeoutError


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("earshot", "Earshot hardware-in-the-loop")
    group.addoption("--board", default="host_sim", help="board the HIL tests run on (default host_sim)")
    group.addoption("--port", default=None, help="serial port of a board already running (do not start one)")
    group.addoption("--baud", type=int, default=None, help="baud rate (default: the board's)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hil: hardware-in-the-loop test (uses the dut fixture)")
    config.addinivalue_line("markers", "requires(*capabilities): board capabilities the test needs")


class Dut:
    """The device under test."""

    def __init__(self, name: str, port: str, baud: int, sim: SimBoard | None) -> None:
        self.name = name
        self.port = port
        self.baud = baud
        self.sim = sim
        self.device = Device(port, baud=baud)
        self.logs: list[str] = []

    # ---- expectations ----

    def _events(self, timeout: float) -> Iterator[Event]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                ev = self.device.events.get(timeout=min(left, 0.2))
            except Exception:  # queue.Empty
                continue
            if ev.kind == "log":
                self.logs.append(str(ev.data["text"]))
            yield ev

    def expect(self, pattern: str, timeout: float = 10.0) -> re.Match[str]:
        """Wait for a log line matching ``pattern`` (regex)."""
        rx = re.compile(pattern)
        for ev in self._events(timeout):
            if ev.kind == "log":
                m = rx.search(str(ev.data["text"]))
                if m:
                    return m
        raise DeviceTimeoutError(f"no log line matching {pattern!r} within {timeout} s; last: {self.logs[-5:]}")

    def expect_event(self, kind: str, timeout: float = 10.0, **match: Any) -> Event:
        """Wait for an event of ``kind`` whose data has the given values."""
        for ev in self._events(timeout):
            if ev.kind == kind and all(ev.data.get(k) == v for k, v in match.items()):
                return ev
        raise DeviceTimeoutError(f"no '{kind}' event {match or ''} within {timeout} s")

    # ---- actions ----

    def play(self, wav_path: str | Path, realtime: bool = False) -> int:
        """Stream a WAV file into the board's microphone; returns the samples sent."""
        pcm = read_wav(wav_path)
        return self.device.play(pcm.astype("<i2").tobytes(), realtime=realtime)

    def flash(self, image: str | Path | bytes, **kwargs: Any) -> dict[str, Any]:
        data = image if isinstance(image, bytes) else Path(image).read_bytes()
        return self.device.flash(data, **kwargs)

    def reset(self, **kwargs: Any) -> dict[str, Any]:
        return self.device.reset(**kwargs)

    def info(self) -> dict[str, Any]:
        return self.device.info()

    def reconnect(self) -> None:
        self.device.close()
        self.device = Device(self.port, baud=self.baud)

    def close(self) -> None:
        self.device.close()


@pytest.fixture(scope="session")
def earshot_board(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The board of the session: started (virtual) and flashed once, or the one on --port."""
    name = request.config.getoption("--board")
    port = request.config.getoption("--port")
    spec = board_spec(name)
    baud = request.config.getoption("--baud") or spec.default_baud
    if port:
        yield {"name": name, "spec": spec, "port": port, "baud": baud, "sim": None, "image": None}
        return
    image = build(name)
    sim = start_board(name, baud=baud)
    try:
        with Device(sim.port, baud=baud) as dev:
            dev.flash(image.read_bytes())
        yield {"name": name, "spec": spec, "port": sim.port, "baud": baud, "sim": sim, "image": image}
    finally:
        sim.close()


@pytest.fixture
def dut(earshot_board: dict[str, Any], request: pytest.FixtureRequest) -> Iterator[Dut]:
    spec = earshot_board["spec"]
    for marker in request.node.iter_markers("requires"):
        missing = [c for c in marker.args if not spec.has(c)]
        if missing:
            pytest.skip(f"board {spec.name} lacks {', '.join(missing)}")
    d = Dut(earshot_board["name"], earshot_board["port"], earshot_board["baud"], earshot_board["sim"])
    d.device.drain_events()
    try:
        yield d
    finally:
        d.close()
