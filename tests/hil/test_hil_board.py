"""Hardware-in-the-loop suite: runs on host_sim in CI, on a bench board with --port."""

from __future__ import annotations

from pathlib import Path

import pytest

from earshot import WakeWordEngine, read_wav
from earshot.boards import build
from earshot.errors import IntegrityError
from earshot.pytest_plugin import Dut

from conftest import SAMPLES

pytestmark = pytest.mark.hil


def detect_times(path: Path, model: str) -> list[float]:
    return [d.time_s for d in WakeWordEngine([model], refractory_s=2.0).process(read_wav(path)) if d.model == model]


def test_info_reports_running_application(dut: Dut) -> None:
    info = dut.info()
    assert info["role_name"] == "application"
    assert info["board"] == dut.name
    assert info["running_slot"] in (0, 1)
    slots = info["slots"]
    assert slots[info["running_slot"]]["state"] == "confirmed"


@pytest.mark.parametrize("model", ["okay_nabu", "hey_jarvis"])
def test_wake_word_in_played_audio(dut: Dut, model: str) -> None:
    dut.reset()
    dut.device.drain_events()
    wav = SAMPLES / f"{model}.wav"
    dut.play(wav)
    ev = dut.expect_event("wake", model=model, timeout=10)
    expected = detect_times(wav, model)
    assert expected, "earshot detect finds nothing in the sample"
    assert abs(ev.data["time_s"] - expected[0]) <= 0.050
    assert ev.data["probability"] > 0.5


def test_no_wake_word_in_speech(dut: Dut) -> None:
    dut.reset()
    dut.device.drain_events()
    dut.play(SAMPLES / "no_wake.wav")
    with pytest.raises(Exception, match="no 'wake' event"):
        dut.expect_event("wake", timeout=1.5)


def test_flash_new_version_then_skip_same(dut: Dut) -> None:
    before = dut.info()
    image = build(dut.name, version=int(before["firmware_version"]) + 1).read_bytes()
    result = dut.flash(image)
    assert not result["skipped"]
    assert result["boot"]["version"] == int(before["firmware_version"]) + 1
    info = dut.info()
    assert info["firmware_version"] == int(before["firmware_version"]) + 1
    assert info["running_slot"] != before["running_slot"]
    again = dut.flash(image)  # the running slot already holds this image
    assert again["skipped"] and dut.info()["running_slot"] == info["running_slot"]


def test_image_with_wrong_hash_is_rejected(dut: Dut) -> None:
    before = dut.info()
    image = bytearray(build(dut.name, version=int(before["firmware_version"]) + 7).read_bytes())
    image[300] ^= 0xFF  # payload byte: the header's payload hash no longer matches
    with pytest.raises(IntegrityError):
        dut.flash(bytes(image))
    dut.reset()
    after = dut.info()
    assert after["firmware_version"] == before["firmware_version"] and after["running_slot"] == before["running_slot"]


def test_unconfirmed_image_rolls_back(dut: Dut) -> None:
    before = dut.info()
    image = build(dut.name, version=int(before["firmware_version"]) + 3, no_confirm=True).read_bytes()
    result = dut.flash(image)
    assert result["boot"]["version"] == int(before["firmware_version"]) + 3
    assert dut.info()["slots"][result["slot"]]["state"] == "tried"
    boot = dut.reset()  # never confirmed: the bootloader goes back
    assert boot["version"] == before["firmware_version"]
    assert boot["reason"] == 2  # rollback
    assert dut.info()["running_slot"] == before["running_slot"]


def test_interrupted_transfer_resumes(dut: Dut) -> None:
    before = dut.info()
    data = build(dut.name, version=int(before["firmware_version"]) + 11).read_bytes()

    class Cut(Exception):
        pass

    def stop_midway(done: int, total: int) -> None:
        if done > total // 3:
            raise Cut

    with pytest.raises(Cut):
        dut.device.flash(data, progress=stop_midway)
    dut.reconnect()  # the host went away mid-transfer and came back
    result = dut.flash(data)
    assert result["resumed_at"] > 0
    assert result["boot"]["version"] == int(before["firmware_version"]) + 11
