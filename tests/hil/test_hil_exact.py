"""Board-independent exactness and robustness checks added with qemu_an547:
wake words at the very sample index the host engine finds, and (on boards
whose application format is known here) a faulting application that the
bootloader survives by resetting and rolling back."""

from __future__ import annotations

import struct

import pytest

from earshot import WakeWordEngine, read_wav
from earshot.image import pack_image
from earshot.pytest_plugin import Dut

from conftest import SAMPLES

pytestmark = pytest.mark.hil


@pytest.mark.parametrize("model", ["okay_nabu", "hey_jarvis"])
def test_wake_word_at_same_sample_index_as_host(dut: Dut, model: str) -> None:
    wav = SAMPLES / f"{model}.wav"
    expected = [d for d in WakeWordEngine([model], refractory_s=2.0).process(read_wav(wav)) if d.model == model]
    assert expected
    dut.reset()
    dut.device.drain_events()
    dut.play(wav)
    ev = dut.expect_event("wake", model=model, timeout=15)
    assert ev.data["sample_index"] == expected[0].sample_index
    assert abs(ev.data["probability"] - expected[0].probability) < 1e-6


AN547_APP_BASE = 0x01000000


def faulting_an547_payload() -> bytes:
    """An application header whose entry executes UDF: a UsageFault at once."""
    code = struct.pack("<HH", 0xDE00, 0xBF00)  # udf #0; nop
    header_size = 20
    end = AN547_APP_BASE + header_size + len(code)
    header = struct.pack("<IIIII", 0x50415345, header_size, (AN547_APP_BASE + header_size) | 1, end, end)
    return header + code


def test_faulting_application_resets_and_rolls_back(dut: Dut) -> None:
    if dut.name != "qemu_an547":
        pytest.skip("the faulting payload is built for qemu_an547's application format")
    before = dut.info()
    image = pack_image(faulting_an547_payload(), int(before["firmware_version"]) + 20, dut.name, 0x2,
                       load_address=AN547_APP_BASE)
    result = dut.flash(image)
    # The new image faults on its first instruction; the fault handler reports and resets,
    # the bootloader finds the slot TRIED and not confirmed and goes back to the old image.
    assert result["boot"]["role"] == "application"
    assert result["boot"]["version"] == before["firmware_version"]
    assert result["boot"]["reason"] == 2
    info = dut.info()
    assert info["running_slot"] == before["running_slot"]
    assert info["slots"][result["slot"]]["state"] == "tried"
