"""Wake-word engine: detection times equal pymicro-wakeword's; streaming and refractory behaviour."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from earshot import WakeWordEngine, read_wav, resolve
from earshot.errors import ConfigError

from conftest import SAMPLES, WAKE_MODELS, wake_model_dir


@pytest.fixture(scope="module")
def wake_files(corpus: list[Path]) -> list[Path]:
    return [p for p in corpus if p.name.startswith(("wake_", "speech_", "loud_", "noise_", "silence"))]


@pytest.mark.parametrize("name", WAKE_MODELS)
def test_detection_times_equal_pymicro_wakeword(name: str, wake_files: list[Path]) -> None:
    from reference import reference_detections

    engine = WakeWordEngine([name], refractory_s=0.0)
    total = 0
    for path in wake_files:
        engine.reset()
        ours = [round(d.time_s, 4) for d in engine.process(read_wav(path))]
        ref = [round(t, 4) for t in reference_detections(path, name)]
        assert ours == ref, f"{name} on {path.name}"
        total += len(ref)
    assert total >= 20, f"only {total} reference detections for {name}: the corpus does not exercise it"


def test_samples_detected_once_with_refractory() -> None:
    engine = WakeWordEngine()
    found = engine.process(read_wav(SAMPLES / "okay_nabu.wav"))
    assert [d.model for d in found] == ["okay_nabu"]
    assert 1.0 < found[0].time_s < 3.0 and found[0].probability > 0.85
    engine.reset()
    found = engine.process(read_wav(SAMPLES / "hey_jarvis.wav"))
    assert [d.model for d in found] == ["hey_jarvis"]
    engine.reset()
    assert engine.process(read_wav(SAMPLES / "no_wake.wav")) == []


def test_chunk_size_does_not_change_detections(wake_files: list[Path]) -> None:
    pcm = np.concatenate([read_wav(p) for p in wake_files[:4]])
    whole = WakeWordEngine(refractory_s=0.5).process(pcm)
    engine = WakeWordEngine(refractory_s=0.5)
    rng = np.random.default_rng(1)
    pieces, pos = [], 0
    while pos < len(pcm):
        n = int(rng.integers(1, 5000))
        pieces.extend(engine.process(pcm[pos : pos + n]))
        pos += n
    assert pieces == whole and len(whole) >= 2


def test_refractory_period_spaces_detections(wake_files: list[Path]) -> None:
    pcm = np.concatenate([read_wav(p) for p in wake_files])
    every = WakeWordEngine(refractory_s=0.0).process(pcm)
    spaced = WakeWordEngine(refractory_s=2.0).process(pcm)
    assert len(spaced) < len(every)
    for model in WAKE_MODELS:
        times = [d.sample_index for d in spaced if d.model == model]
        assert all(b - a >= 32000 for a, b in itertools.pairwise(times))
        # every spaced detection is also a window over the cutoff
        assert set(times) <= {d.sample_index for d in every if d.model == model}


def test_arena_below_manifest() -> None:
    engine = WakeWordEngine()
    for i, man in enumerate(engine.manifests):
        assert man.tensor_arena_size is not None
        assert 0 < engine.arena_used(i) < man.tensor_arena_size, man.name


def test_reset_restores_initial_state() -> None:
    pcm = read_wav(SAMPLES / "okay_nabu.wav")
    engine = WakeWordEngine(refractory_s=0.0)
    first = engine.process(pcm)
    engine.reset()
    assert engine.process(pcm) == first


def test_manifest_errors(tmp_path: Path) -> None:
    good = json.loads((wake_model_dir() / "okay_nabu.json").read_text())
    bad = dict(good)
    del bad["micro"]["probability_cutoff"]
    (tmp_path / "m.json").write_text(json.dumps(bad))
    with pytest.raises(ConfigError, match=r"missing key 'micro\.probability_cutoff'"):
        resolve(str(tmp_path / "m.json"))
    (tmp_path / "n.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        resolve(str(tmp_path / "n.json"))
    with pytest.raises(ConfigError, match=r"unknown wake-word model 'nope'.*okay_nabu"):
        resolve("nope")
    good2 = json.loads((wake_model_dir() / "okay_nabu.json").read_text())
    good2["micro"]["probability_cutoff"] = 1.5
    (tmp_path / "c.json").write_text(json.dumps(good2))
    with pytest.raises(ConfigError, match=r"probability_cutoff' must be a number in \(0, 1\)"):
        resolve(str(tmp_path / "c.json"))
