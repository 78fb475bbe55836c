"""`earshot detect` end to end, through the installed command and the API."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from earshot import cli, read_wav, write_wav

from conftest import SAMPLES, wake_model_dir


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "earshot", *args], input=stdin, capture_output=True, timeout=120, check=False
    )


def test_detect_json_on_sample() -> None:
    r = run("detect", "--json", str(SAMPLES / "okay_nabu.wav"))
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert len(events) == 1
    assert events[0]["model"] == "okay_nabu"
    assert 1.0 < events[0]["time_s"] < 3.0 and events[0]["probability"] > 0.85
    assert set(events[0]) == {"model", "time_s", "probability"}


def test_detect_readable_and_model_selection() -> None:
    r = run("detect", "--model", "hey_jarvis", "--model", "alexa", str(SAMPLES / "hey_jarvis.wav"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert len(lines) == 1 and "hey_jarvis" in lines[0] and " s " in lines[0]
    r = run("detect", "--model", "alexa", str(SAMPLES / "hey_jarvis.wav"))
    assert r.returncode == 0 and r.stdout == b""


def test_detect_manifest_path() -> None:
    r = run("detect", "--json", "--model", str(wake_model_dir() / "okay_nabu.json"), str(SAMPLES / "okay_nabu.wav"))
    assert r.returncode == 0 and json.loads(r.stdout)["model"] == "okay_nabu"


def test_detect_stdin_equals_file() -> None:
    pcm = read_wav(SAMPLES / "okay_nabu.wav")
    from_file = run("detect", "--json", "--refractory", "0", str(SAMPLES / "okay_nabu.wav"))
    from_stdin = run("detect", "--json", "--refractory", "0", "-", stdin=pcm.astype("<i2").tobytes())
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout
    assert len(from_file.stdout.splitlines()) > 5


def test_detect_no_wake_word_exits_zero() -> None:
    r = run("detect", str(SAMPLES / "no_wake.wav"))
    assert r.returncode == 0 and r.stdout == b""


def _wav(path: Path, rate: int, channels: int, width: int, frames: int = 1600) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(b"\x01" * frames * channels * width)
    return path


@pytest.mark.parametrize(
    ("rate", "channels", "width", "says"),
    [(44100, 1, 2, "got 44100 Hz, 1 channel, 16-bit"), (16000, 2, 2, "2 channels"), (16000, 1, 1, "8-bit")],
)
def test_wrong_audio_format_is_named(tmp_path: Path, rate: int, channels: int, width: int, says: str) -> None:
    r = run("detect", str(_wav(tmp_path / "x.wav", rate, channels, width)))
    assert r.returncode == 2
    assert says in r.stderr.decode() and "expected 16000 Hz, 1 channel, 16-bit" in r.stderr.decode()


def test_bad_inputs(tmp_path: Path) -> None:
    (tmp_path / "not.wav").write_bytes(b"hello world, not audio")
    r = run("detect", str(tmp_path / "not.wav"))
    assert r.returncode == 2 and "not a WAV file" in r.stderr.decode()
    r = run("detect", str(_wav(tmp_path / "empty.wav", 16000, 1, 2, frames=0)))
    assert r.returncode == 2 and "no samples" in r.stderr.decode()
    r = run("detect", "-", stdin=b"")
    assert r.returncode == 2 and "no audio" in r.stderr.decode()
    r = run("detect", str(tmp_path / "missing.wav"))
    assert r.returncode == 2 and "cannot read" in r.stderr.decode()
    r = run("detect", "--model", "nonexistent", str(SAMPLES / "okay_nabu.wav"))
    assert r.returncode == 2 and "unknown wake-word model 'nonexistent'" in r.stderr.decode()
    manifest = json.loads((wake_model_dir() / "alexa.json").read_text())
    del manifest["micro"]["sliding_window_size"]
    (tmp_path / "m.json").write_text(json.dumps(manifest))
    r = run("detect", "--model", str(tmp_path / "m.json"), str(SAMPLES / "okay_nabu.wav"))
    assert r.returncode == 2 and "missing key 'micro.sliding_window_size'" in r.stderr.decode()


def test_truncated_wav_is_an_error_not_a_crash(tmp_path: Path) -> None:
    data = (SAMPLES / "okay_nabu.wav").read_bytes()
    (tmp_path / "t.wav").write_bytes(data[:30])
    r = run("detect", str(tmp_path / "t.wav"))
    assert r.returncode == 2 and "t.wav" in r.stderr.decode()


def test_odd_byte_stdin_and_long_silence(tmp_path: Path) -> None:
    silence = np.zeros(16000 * 90, dtype=np.int16)
    write_wav(tmp_path / "s.wav", silence)
    assert cli.main(["detect", "-q", str(tmp_path / "s.wav")]) == 0
    r = run("detect", "-", stdin=b"\x00" * 32001)
    assert r.returncode == 0 and r.stdout == b""
