"""Power loss during an update: cut power at every flash write/erase of a small image update
(exhaustively) and at random points of a full-size one; the board must always boot a valid image,
old or new, and a repeated update must complete."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from earshot.boards import SimBoard, build
from earshot.device import Device
from earshot.errors import EarshotError

pytestmark = [pytest.mark.hil, pytest.mark.requires("power_cut")]

FAST_BAUD = 4_000_000  # the sim paces at any rate; a fast link keeps the exhaustive run short


@pytest.fixture(autouse=True)
def _needs_power_cut(request: pytest.FixtureRequest) -> None:
    """These tests drive host_sim's power-cut hook themselves; other boards report them as skipped."""
    from earshot.boards import board_spec

    spec = board_spec(request.config.getoption("--board"))
    if not spec.has("power_cut"):
        pytest.skip(f"board {spec.name} lacks power_cut")


def boot_version(flash: Path) -> int:
    """Power on with this flash; return the running application's version (asserting it is valid)."""
    with SimBoard(flash=flash, baud=FAST_BAUD) as sim, Device(sim.port, baud=FAST_BAUD) as dev:
        info = dev.info()
        assert info["role_name"] == "application", info
        slot = info["slots"][info["running_slot"]]
        assert slot["state"] in ("confirmed", "tried"), slot
        return int(info["firmware_version"])


def update(flash: Path, image: bytes, cut_after: int | None = None) -> tuple[int | None, int]:
    """Run one update; returns (exit code of the sim if power was cut, flash ops used)."""
    sim = SimBoard(flash=flash, baud=FAST_BAUD, cut_after=cut_after)
    ops = 0
    try:
        with Device(sim.port, baud=FAST_BAUD, timeout=2) as dev:
            dev.flash(image)
            ops = int(dev.info()["flash_ops"])
    except EarshotError:
        pass
    finally:
        code = None
        if cut_after is not None:
            try:
                code = sim.wait(timeout=10)
            except Exception:
                code = None
        sim.close()
    return code, ops


@pytest.fixture(scope="module")
def base_flash(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, bytes]:
    """A flash holding a confirmed small v1 image, and the v1/v2 images."""
    tmp = tmp_path_factory.mktemp("power")
    v1 = build("host_sim", version=1, small=True).read_bytes()
    v2 = build("host_sim", version=2, small=True).read_bytes()
    flash = tmp / "base.bin"
    code, _ = update(flash, v1)
    assert code is None
    assert boot_version(flash) == 1
    return flash, v1, v2


def test_power_cut_at_every_flash_operation(base_flash: tuple[Path, bytes, bytes], tmp_path: Path) -> None:
    base, _, v2 = base_flash
    probe = tmp_path / "probe.bin"
    shutil.copy(base, probe)
    _, total_ops = update(probe, v2)
    assert boot_version(probe) == 2
    assert total_ops > 3
    seen = {1: 0, 2: 0}
    for cut in range(1, total_ops + 1):
        flash = tmp_path / f"cut{cut}.bin"
        shutil.copy(base, flash)
        code, _ = update(flash, v2, cut_after=cut)
        assert code == 99, f"power was not cut at operation {cut}"
        seen[boot_version(flash)] += 1  # boots a valid image, old or new
        code, _ = update(flash, v2)  # and a repeated update completes
        assert boot_version(flash) == 2
        flash.unlink()
    assert seen[1] > 0 and seen[2] > 0, seen


def test_power_cut_at_random_points_of_full_image(tmp_path: Path) -> None:
    v1 = build("host_sim", version=1).read_bytes()
    v2 = build("host_sim", version=2).read_bytes()
    base = tmp_path / "base.bin"
    update(base, v1)
    assert boot_version(base) == 1
    probe = tmp_path / "probe.bin"
    shutil.copy(base, probe)
    _, total_ops = update(probe, v2)
    rng = random.Random(2)
    for cut in sorted(rng.sample(range(1, total_ops + 1), 6)):
        flash = tmp_path / f"cut{cut}.bin"
        shutil.copy(base, flash)
        code, _ = update(flash, v2, cut_after=cut)
        assert code == 99
        assert boot_version(flash) in (1, 2)
        update(flash, v2)
        assert boot_version(flash) == 2
