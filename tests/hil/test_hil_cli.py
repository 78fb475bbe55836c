"""The board commands of the `earshot` CLI against the HIL board."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from earshot.boards import SimBoard
from earshot.device import Device
from earshot.pytest_plugin import Dut

from conftest import SAMPLES

pytestmark = pytest.mark.hil


def earshot(dut: Dut, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    dut.device.close()  # one client at a time on a serial port
    try:
        return subprocess.run(
            [sys.executable, "-m", "earshot", *args, "-p", dut.port, "-b", str(dut.baud)],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
    finally:
        dut.reconnect()


def test_cli_info_and_reset(dut: Dut) -> None:
    r = earshot(dut, "info")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["board"] == dut.name and info["role_name"] == "application"
    r = earshot(dut, "reset")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["role"] == "application"


def test_cli_profile_json_after_audio(dut: Dut) -> None:
    r = earshot(dut, "profile", "--json", "--play", str(SAMPLES / "okay_nabu.wav"))
    assert r.returncode == 0, r.stderr
    prof = json.loads(r.stdout)
    assert prof["samples_processed"] > 50000 and prof["frames"] > 300
    assert len(prof["models"]) == 4 and all(m["inferences"] > 100 for m in prof["models"])
    assert all(m["us_per_inference"] > 0 for m in prof["models"])
    assert prof["ram_high_water"] > 0
    r = earshot(dut, "profile")
    assert r.returncode == 0 and "frontend_us_per_frame" in r.stdout


def test_cli_flash_skips_same_image(dut: Dut) -> None:
    from earshot.boards import build

    image = build(dut.name, version=int(dut.info()["firmware_version"]))
    r = earshot(dut, "flash", str(image))
    assert r.returncode == 0, r.stderr
    assert "already holds this image" in r.stdout


def test_cli_monitor_prints_events(dut: Dut) -> None:
    r = earshot(dut, "monitor", "--json", "--duration", "1.5")
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert any(e["kind"] == "boot" and e["role"] == "application" for e in events), events
    assert any(e["kind"] == "log" and "models" in e["text"] for e in events), events


def test_cli_errors_name_the_problem(dut: Dut) -> None:
    r = earshot(dut, "flash", "/nonexistent.img")
    assert r.returncode == 2 and "no such image file" in r.stderr
    r = subprocess.run([sys.executable, "-m", "earshot", "info", "-p", "/dev/nonexistent-tty"],
                       capture_output=True, text=True, timeout=30, check=False)
    assert r.returncode == 2 and "cannot open /dev/nonexistent-tty" in r.stderr


def test_tcp_uart(request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--board") != "host_sim":
        pytest.skip("host_sim's TCP UART option")
    with SimBoard(tcp_port=45991) as sim:
        assert sim.port == "socket://127.0.0.1:45991"
        with Device(sim.port) as dev:
            assert dev.hello()["board"] == "host_sim"
