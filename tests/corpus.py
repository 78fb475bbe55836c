"""Deterministic test-audio corpus for Earshot.

``build_corpus(cache_dir)`` synthesises a set of 16 kHz mono 16-bit WAV files
(about 13 minutes in total) covering the kinds of audio a wearable hears:

* English speech rendered by ``espeak-ng`` (several voices, variants, speeds
  and pitches) and ``flite`` (its built-in voices),
* the wake phrases "okay nabu", "hey jarvis", "alexa" and "hey mycroft" in
  several renderings, embedded in longer audio with pauses,
* white / pink / brown noise at several levels,
* speech mixed with noise at 20, 10 and 0 dB SNR,
* digital silence and very low-level noise,
* loud, near-clipping and clipped content,
* the real recordings from ``../shared/conformance/micro_speech`` (read in
  place; the file is skipped when that folder is absent).

Everything is derived from the fixed recipes in :data:`CORPUS_SPECS` with fixed
seeds, so the output is byte-identical from run to run on the same machine.
Building is idempotent: a manifest in ``cache_dir`` records, for every file,
a hash of its recipe (including tool versions) and of its bytes; files whose
recipe and bytes still match are not regenerated.

Run ``python tests/corpus.py OUT_DIR`` to build and print a table.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16000
GENERATOR_VERSION = 1
MANIFEST_NAME = "corpus_manifest.json"
SHARED_DIR = Path(os.environ.get("EARSHOT_SHARED", Path(__file__).resolve().parents[2] / "shared"))
MICRO_SPEECH_DIR = SHARED_DIR / "conformance" / "micro_speech"
MIN_FILE_SECONDS = 30.0

FloatArray = npt.NDArray[np.float64]
NoiseColor = Literal["white", "pink", "brown"]
Engine = Literal["espeak", "flite"]

# --------------------------------------------------------------------------
# Recipe data types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Speech:
    """A TTS utterance, peak-normalised to ``level_dbfs``.

    ``speed`` is words per minute for espeak-ng (``-s``) and the
    ``duration_stretch`` factor for flite (>1 is slower).  ``pitch`` is the
    espeak-ng ``-p`` value (0-99) and is ignored for flite.
    """

    text: str
    engine: Engine
    voice: str
    speed: float
    pitch: int = 50
    level_dbfs: float = -6.0


@dataclass(frozen=True)
class Gap:
    """Digital silence (the file's background bed, if any, still plays)."""

    seconds: float


@dataclass(frozen=True)
class Noise:
    """A noise segment at a given RMS level."""

    color: NoiseColor
    seconds: float
    level_dbfs: float
    seed: int


@dataclass(frozen=True)
class Tone:
    """A sine (or, with ``square=True``, square) wave at a given peak level."""

    freq_hz: float
    seconds: float
    level_dbfs: float
    square: bool = False


@dataclass(frozen=True)
class Recording:
    """A real 16 kHz mono s16 WAV from :data:`MICRO_SPEECH_DIR`, with gain."""

    name: str
    gain_db: float = 0.0


Item = Speech | Gap | Noise | Tone | Recording


@dataclass(frozen=True)
class Bed:
    """Background noise mixed under the whole file.

    Exactly one of ``snr_db`` (relative to the RMS of the active parts of the
    foreground) or ``level_dbfs`` (absolute RMS) must be set.
    """

    color: NoiseColor
    seed: int
    snr_db: float | None = None
    level_dbfs: float | None = None


@dataclass(frozen=True)
class FileSpec:
    """Recipe for one corpus file."""

    name: str
    description: str
    items: tuple[Item, ...]
    bed: Bed | None = None
    gain_db: float = 0.0
    wake_words: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.name}.wav"

    def needs_micro_speech(self) -> bool:
        return any(isinstance(it, Recording) for it in self.items)


# --------------------------------------------------------------------------
# Recipes
# --------------------------------------------------------------------------

SENTENCES: tuple[str, ...] = (
    "Remind me to pick up the dry cleaning after work.",
    "What's on my calendar for tomorrow morning?",
    "Set a timer for twelve minutes.",
    "I think we should take the bus instead of walking.",
    "Did you remember to lock the front door?",
    "The meeting got moved to half past three.",
    "Can you send a message to Sarah saying I'm running late?",
    "Turn the volume down a little.",
    "How many steps have I taken today?",
    "Let's grab a coffee before the train leaves.",
    "Start an outdoor run workout.",
    "What's the weather going to be like this weekend?",
    "Navigate to the nearest pharmacy.",
    "Play something relaxing.",
    "I left my keys on the kitchen counter again.",
    "Call the dentist and reschedule my appointment.",
    "Add milk, eggs and bread to the shopping list.",
    "No, I said the blue one, not the green one.",
    "Yes, that sounds good to me.",
    "Read me my last notification.",
    "How long will it take to drive to the airport?",
    "We're going to need a bigger table for dinner on Friday.",
    "Stop the music.",
    "Take a note: the car is parked on level four, row C.",
    "My heart rate seems a bit high after those stairs.",
    "Could you say that again, a bit slower please?",
    "The battery is at twenty percent, I should charge it tonight.",
    "Honestly I have no idea where the time went today.",
)

COMMANDS: tuple[str, ...] = (
    "turn on the kitchen lights.",
    "what time is it?",
    "set an alarm for seven a m.",
    "what's the weather today?",
    "pause the podcast.",
    "how far did I walk today?",
    "call home.",
    "remind me to stretch in an hour.",
)

ESPEAK_VOICES: tuple[str, ...] = (
    "en",
    "en-us",
    "en-gb",
    "en+f3",
    "en+m7",
    "en-us+f2",
    "en-gb-x-rp",
    "en-029",
    "en+f4",
    "en-us+m3",
    "en-gb-scotland",
    "en+m3",
)
FLITE_VOICES: tuple[str, ...] = ("kal", "kal16", "slt", "awb", "rms")

# Wake-phrase renderings that the reference pymicro-wakeword models detect in
# isolation (found by sweeping voices/speeds/phrasings); a few deliberately
# marginal ones (``# marginal``) are included for near-threshold coverage.
WAKE_RENDERINGS: dict[str, tuple[Speech, ...]] = {
    "okay_nabu": (
        Speech("okay nabu", "espeak", "en-us", 160),
        Speech("okay nabu", "espeak", "en-gb", 130),
        Speech("ok nabu", "espeak", "en-us+m3", 160, 40),
        Speech("okay nah boo", "espeak", "en-029", 160),
        Speech("okay nabu", "espeak", "en+m7", 160, 35),
        Speech("okay nabu", "espeak", "en+f3", 160, 60),
        Speech("okay nabu", "flite", "rms", 1.0),
        Speech("okay nabu", "flite", "kal16", 1.0),
        Speech("okay nabu", "flite", "awb", 1.2),
        Speech("ok nabu", "flite", "kal", 1.0),
        Speech("okay nabu", "flite", "slt", 1.2),  # marginal
    ),
    "hey_jarvis": (
        Speech("hey jarvis", "flite", "rms", 1.0),
        Speech("hey jarvis", "flite", "awb", 1.2),
        Speech("hey jarvis", "flite", "kal16", 1.2),
        Speech("hey jarvis", "flite", "slt", 1.0),
        Speech("hey jar vis", "flite", "awb", 1.0),
        Speech("hey jar vis", "flite", "slt", 1.2),
        Speech("hey jarvis", "espeak", "en+f4", 160),
        Speech("hey, jarvis", "flite", "rms", 1.0),  # marginal
        Speech("hey jarvis", "espeak", "en-us", 160),  # not detected
    ),
    "alexa": (
        Speech("alexa", "espeak", "en-gb-x-rp", 160),
        Speech("alexa", "espeak", "en+m7", 160, 40),
        Speech("alexa", "espeak", "en-us", 130),
        Speech("alexa", "espeak", "en-us+m3", 160),
        Speech("alexa", "flite", "slt", 1.0),
        Speech("alexa", "flite", "rms", 1.2),
        Speech("alexa", "flite", "kal16", 1.0),
        Speech("alexa", "flite", "awb", 1.0),  # marginal
        Speech("alexa", "espeak", "en+f3", 160),  # marginal: misses in isolation
    ),
    "hey_mycroft": (
        Speech("hey my croft", "espeak", "en", 160),
        Speech("hey my croft", "espeak", "en-us", 130),
        Speech("hey mycroft", "espeak", "en-gb-x-rp", 160),
        Speech("hey my croft", "espeak", "en+f4", 160, 65),
        Speech("hey my croft", "espeak", "en-029", 160),
        Speech("hey mycroft", "flite", "awb", 1.0),
        Speech("hey mycroft", "flite", "rms", 1.0),
        Speech("hey my croft", "flite", "slt", 1.0),
        Speech("hey mycroft", "espeak", "en+f3", 130),
    ),
}


def _random_voice(rng: random.Random, engine: Engine | None = None) -> Speech:
    """A random (seeded) voice/speed/pitch with empty text."""
    eng: Engine = engine if engine is not None else rng.choice(("espeak", "flite"))
    if eng == "espeak":
        return Speech(
            "",
            "espeak",
            rng.choice(ESPEAK_VOICES),
            rng.choice((120, 140, 160, 175, 190)),
            rng.choice((30, 40, 50, 60, 70)),
        )
    return Speech("", "flite", rng.choice(FLITE_VOICES), rng.choice((0.85, 1.0, 1.15)))


def _sentence(rng: random.Random, text: str, engine: Engine | None = None) -> Speech:
    level = rng.choice((-3.0, -6.0, -6.0, -10.0, -14.0, -20.0))
    return dataclasses.replace(_random_voice(rng, engine), text=text, level_dbfs=level)


def _gap(rng: random.Random, lo: float = 0.3, hi: float = 1.5) -> Gap:
    return Gap(round(rng.uniform(lo, hi), 2))


def _chatter(rng: random.Random, n: int, engine: Engine | None = None) -> list[Item]:
    items: list[Item] = []
    for text in rng.sample(SENTENCES, n):
        items += [_sentence(rng, text, engine), _gap(rng)]
    return items


def _wake_file(
    name: str,
    seed: int,
    phrases: Sequence[tuple[str, Speech]],
    bed: Bed | None = None,
    chatter_between: int = 1,
) -> FileSpec:
    """Speech chatter with wake phrases (followed by a command) in between."""
    rng = random.Random(seed)
    items: list[Item] = [Gap(1.0)]
    for i, (_, wake) in enumerate(phrases):
        # Chatter before every ``chatter_between``-th phrase keeps files short.
        if chatter_between and i % chatter_between == 0:
            items += _chatter(rng, 1)
        items += [Gap(round(rng.uniform(0.8, 1.4), 2)), wake]
        items += [_gap(rng, 0.3, 0.7), _sentence(rng, rng.choice(COMMANDS))]
        items.append(_gap(rng, 1.0, 1.6))
    items += _chatter(rng, 1)
    words = tuple(sorted({w for w, _ in phrases}))
    desc = "speech with wake phrases " + ", ".join(words)
    if bed is not None:
        desc += f" over {bed.color} noise"
    return FileSpec(name, desc, tuple(items), bed=bed, wake_words=words)


def _noise_file(name: str, color: NoiseColor, seed: int) -> FileSpec:
    levels = (-60.0, -45.0, -30.0, -20.0, -12.0, -6.0)
    items: list[Item] = [Gap(1.0)]
    for i, lvl in enumerate(levels):
        items += [Noise(color, 5.5, lvl, seed + i), Gap(1.0)]
    return FileSpec(
        name,
        f"{color} noise at {', '.join(f'{v:g}' for v in levels)} dBFS RMS",
        tuple(items),
    )


def _snr_file(name: str, seed: int, color: NoiseColor, snr_db: float) -> FileSpec:
    rng = random.Random(seed)
    phrases = [(w, rng.choice(WAKE_RENDERINGS[w][:4])) for w in WAKE_RENDERINGS]
    spec = _wake_file(
        name, seed, phrases, Bed(color, seed, snr_db=snr_db), chatter_between=1
    )
    return dataclasses.replace(
        spec, description=f"speech + wake phrases, {color} noise at {snr_db:g} dB SNR"
    )


def _make_specs() -> tuple[FileSpec, ...]:
    specs: list[FileSpec] = []
    rng = random.Random(1234)

    # Plain speech, no wake words.
    specs.append(
        FileSpec(
            "speech_espeak_voices",
            "espeak-ng sentences, many voices/speeds/pitches, no wake word",
            (Gap(0.5), *_chatter(rng, 14, "espeak")),
        )
    )
    specs.append(
        FileSpec(
            "speech_flite_voices",
            "flite sentences, all built-in voices, no wake word",
            (Gap(0.5), *_chatter(rng, 14, "flite")),
        )
    )

    # Wake-word files (clean and with a quiet noise bed).
    for word, renders in WAKE_RENDERINGS.items():
        half = (len(renders) + 1) // 2
        specs.append(
            _wake_file(
                f"wake_{word}_a", 100 + len(specs), [(word, r) for r in renders[:half]]
            )
        )
        specs.append(
            _wake_file(
                f"wake_{word}_b",
                100 + len(specs),
                [(word, r) for r in renders[half:]],
                bed=Bed("pink", 7 + len(specs), level_dbfs=-50.0),
                chatter_between=2,
            )
        )
    mixed = [(w, WAKE_RENDERINGS[w][i]) for i in (0, 1) for w in WAKE_RENDERINGS]
    specs.append(_wake_file("wake_mixed", 300, mixed, chatter_between=4))

    # Noise.
    specs.append(_noise_file("noise_white_levels", "white", 400))
    specs.append(_noise_file("noise_pink_levels", "pink", 410))
    specs.append(_noise_file("noise_brown_levels", "brown", 420))

    # Speech in noise.
    specs.append(_snr_file("speech_snr20_pink", 500, "pink", 20.0))
    specs.append(_snr_file("speech_snr10_white", 510, "white", 10.0))
    specs.append(_snr_file("speech_snr0_brown", 520, "brown", 0.0))

    # Silence and near-silence.
    specs.append(
        FileSpec(
            "silence_and_floor",
            "digital zero, then white noise at -90/-80/-70 dBFS RMS",
            (
                Gap(15.0),
                Noise("white", 7.0, -90.0, 600),
                Noise("white", 7.0, -80.0, 601),
                Noise("pink", 7.0, -70.0, 602),
                Gap(4.0),
            ),
        )
    )

    # Loud / clipping content.
    lrng = random.Random(700)
    loud: list[Item] = [Gap(0.5)]
    for text in lrng.sample(SENTENCES, 5):
        loud += [
            dataclasses.replace(_sentence(lrng, text), level_dbfs=-0.1),
            _gap(lrng),
        ]
    loud += [
        Tone(1000.0, 2.0, -0.1),
        Gap(0.5),
        Tone(250.0, 2.0, 0.0, square=True),
        Gap(0.5),
    ]
    loud += [
        Noise("white", 3.0, -3.0, 701),
        Gap(0.5),
        Noise("brown", 3.0, -6.0, 702),
        Gap(0.5),
    ]
    loud += [
        dataclasses.replace(WAKE_RENDERINGS["okay_nabu"][0], level_dbfs=-0.5),
        Gap(1.0),
    ]
    loud += [
        dataclasses.replace(WAKE_RENDERINGS["hey_jarvis"][0], level_dbfs=-0.5),
        Gap(1.0),
    ]
    for text in lrng.sample(SENTENCES, 3):
        # +6 dB over full scale: hard clipped.
        loud += [dataclasses.replace(_sentence(lrng, text), level_dbfs=6.0), _gap(lrng)]
    specs.append(
        FileSpec(
            "loud_clipping",
            "near-full-scale and hard-clipped speech, tones, loud noise",
            tuple(loud),
            wake_words=("hey_jarvis", "okay_nabu"),
        )
    )

    # Real recordings (only when the conformance folder exists).
    mrng = random.Random(800)
    real: list[Item] = [Gap(0.5)]
    names = (
        "yes_1000ms.wav",
        "no_1000ms.wav",
        "noise_1000ms.wav",
        "silence_1000ms.wav",
    )
    for _ in range(7):
        for name in mrng.sample(names, len(names)):
            real += [
                Recording(name, mrng.choice((-12.0, -6.0, 0.0, 0.0, 6.0))),
                _gap(mrng, 0.2, 0.8),
            ]
    specs.append(
        FileSpec(
            "micro_speech_real",
            "real yes/no/noise/silence recordings (micro_speech conformance set)",
            tuple(real),
        )
    )
    return tuple(specs)


CORPUS_SPECS: tuple[FileSpec, ...] = _make_specs()

# --------------------------------------------------------------------------
# Synthesis helpers
# --------------------------------------------------------------------------


def _db(value_db: float) -> float:
    return float(10.0 ** (value_db / 20.0))


def _run(cmd: Sequence[str]) -> bytes:
    return subprocess.run(cmd, check=True, capture_output=True).stdout


def tts_command(speech: Speech, out_wav: Path | str) -> list[str]:
    """The espeak-ng / flite command line used to render ``speech``."""
    if speech.engine == "espeak":
        return [
            "espeak-ng",
            "-v",
            speech.voice,
            "-s",
            str(int(speech.speed)),
            "-p",
            str(speech.pitch),
            "-w",
            str(out_wav),
            speech.text,
        ]
    return [
        "flite",
        "-voice",
        speech.voice,
        "--setf",
        f"duration_stretch={speech.speed:g}",
        "-t",
        speech.text,
        "-o",
        str(out_wav),
    ]


def to_16k_mono(in_wav: Path) -> FloatArray:
    """Convert any WAV with sox (no dither) to 16 kHz mono floats in [-1, 1]."""
    raw = _run(
        [
            "sox",
            "-D",
            str(in_wav),
            "-t",
            "raw",
            "-r",
            str(SAMPLE_RATE),
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed-integer",
            "-L",
            "-",
        ]
    )
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0


def render_speech(speech: Speech, workdir: Path) -> FloatArray:
    """Render ``speech`` at 16 kHz, peak-normalised to ``speech.level_dbfs``."""
    key = hashlib.sha256(repr(speech).encode()).hexdigest()[:16]
    tmp = workdir / f"tts_{key}.wav"
    _run(tts_command(speech, tmp))
    audio = to_16k_mono(tmp)
    tmp.unlink()
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0.0:
        audio = audio * (_db(speech.level_dbfs) / peak)
    return audio


def make_noise(color: NoiseColor, n: int, seed: int) -> FloatArray:
    """Unit-RMS white, pink (1/f) or brown (1/f^2) noise, ``n`` samples."""
    if n <= 0:
        return np.zeros(0)
    white = np.random.default_rng(seed).standard_normal(n)
    if color == "white":
        shaped = white
    else:
        spectrum = np.fft.rfft(white)
        freqs = np.fft.rfftfreq(n, d=1.0 / SAMPLE_RATE)
        freqs[0] = freqs[1] if n > 1 else 1.0
        exponent = 0.5 if color == "pink" else 1.0
        spectrum = spectrum / freqs**exponent
        spectrum[0] = 0.0  # no DC
        shaped = np.fft.irfft(spectrum, n)
    rms = float(np.sqrt(np.mean(shaped**2)))
    return shaped / rms if rms > 0 else shaped


def _tone(tone: Tone) -> FloatArray:
    t = np.arange(round(tone.seconds * SAMPLE_RATE)) / SAMPLE_RATE
    wave_ = np.sin(2.0 * np.pi * tone.freq_hz * t)
    if tone.square:
        wave_ = np.sign(wave_)
    return wave_ * _db(tone.level_dbfs)


def read_wav_16k(path: Path) -> FloatArray:
    """Read a 16 kHz mono s16 WAV (anything else goes through sox)."""
    with wave.open(str(path), "rb") as wf:
        if (
            wf.getframerate() == SAMPLE_RATE
            and wf.getnchannels() == 1
            and wf.getsampwidth() == 2
        ):
            frames = wf.readframes(wf.getnframes())
            return np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
    return to_16k_mono(path)


def active_rms(audio: FloatArray, frame: int = 320, floor_dbfs: float = -50.0) -> float:
    """RMS over 20 ms frames whose own RMS exceeds ``floor_dbfs``."""
    n = len(audio) // frame
    if n == 0:
        return 0.0
    frames = audio[: n * frame].reshape(n, frame)
    power = np.mean(frames**2, axis=1)
    active = power[power > _db(floor_dbfs) ** 2]
    return float(np.sqrt(np.mean(active))) if active.size else 0.0


def to_pcm16(audio: FloatArray) -> bytes:
    """Scale to s16 with rounding and hard clipping, little-endian bytes."""
    scaled = np.clip(np.round(audio * 32768.0), -32768, 32767)
    return scaled.astype("<i2").tobytes()


def write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(SAMPLE_RATE)
        wf.writeframes(pcm)


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------


def _tool_versions() -> dict[str, str]:
    versions: dict[str, str] = {"numpy": np.__version__}
    for name, cmd in (
        ("espeak-ng", ["espeak-ng", "--version"]),
        ("flite", ["flite", "--version"]),
        ("sox", ["sox", "--version"]),
    ):
        try:
            versions[name] = _run(cmd).decode(errors="replace").strip()
        except (OSError, subprocess.CalledProcessError):
            versions[name] = "missing"
    return versions


def _item_json(item: Item) -> dict[str, object]:
    data: dict[str, object] = {"type": type(item).__name__, **dataclasses.asdict(item)}
    if isinstance(item, Recording):
        src = MICRO_SPEECH_DIR / item.name
        data["sha256"] = (
            hashlib.sha256(src.read_bytes()).hexdigest() if src.exists() else None
        )
    return data


def spec_hash(spec: FileSpec, tool_versions: dict[str, str]) -> str:
    """Hash of everything that determines the bytes of ``spec``'s file."""
    blob = {
        "generator": GENERATOR_VERSION,
        "tools": tool_versions,
        "name": spec.name,
        "items": [_item_json(it) for it in spec.items],
        "bed": dataclasses.asdict(spec.bed) if spec.bed else None,
        "gain_db": spec.gain_db,
        "min_seconds": MIN_FILE_SECONDS,
    }
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()


def _render_item(item: Item, tts: dict[Speech, FloatArray]) -> FloatArray:
    if isinstance(item, Speech):
        return tts[item]
    if isinstance(item, Gap):
        return np.zeros(round(item.seconds * SAMPLE_RATE))
    if isinstance(item, Noise):
        n = round(item.seconds * SAMPLE_RATE)
        return make_noise(item.color, n, item.seed) * _db(item.level_dbfs)
    if isinstance(item, Tone):
        return _tone(item)
    return read_wav_16k(MICRO_SPEECH_DIR / item.name) * _db(item.gain_db)


def synthesize(spec: FileSpec, tts: dict[Speech, FloatArray]) -> bytes:
    """Mix ``spec`` into s16le PCM bytes; ``tts`` holds its rendered speech."""
    parts = [_render_item(it, tts) for it in spec.items]
    audio = np.concatenate(parts) if parts else np.zeros(0)
    min_len = int(MIN_FILE_SECONDS * SAMPLE_RATE)
    if len(audio) < min_len:
        audio = np.concatenate([audio, np.zeros(min_len - len(audio))])
    if spec.bed is not None:
        bed = make_noise(spec.bed.color, len(audio), spec.bed.seed)
        if spec.bed.snr_db is not None:
            level = active_rms(audio) / _db(spec.bed.snr_db)
        else:
            level = _db(
                spec.bed.level_dbfs if spec.bed.level_dbfs is not None else -60.0
            )
        audio = audio + bed * level
    return to_pcm16(audio * _db(spec.gain_db))


def render_all_speech(
    speeches: Iterable[Speech], workers: int | None = None
) -> dict[Speech, FloatArray]:
    """Render distinct utterances in parallel (subprocess bound)."""
    unique = list(dict.fromkeys(speeches))
    with tempfile.TemporaryDirectory(prefix="earshot_tts_") as tmp:
        workdir = Path(tmp)
        with ThreadPoolExecutor(
            max_workers=workers or max(2, os.cpu_count() or 2)
        ) as pool:
            rendered = list(pool.map(lambda s: render_speech(s, workdir), unique))
    return dict(zip(unique, rendered, strict=True))


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def active_specs() -> list[FileSpec]:
    """The corpus recipes usable on this machine (real recordings optional)."""
    have_real = all(
        (MICRO_SPEECH_DIR / it.name).exists()
        for s in CORPUS_SPECS
        for it in s.items
        if isinstance(it, Recording)
    )
    return [s for s in CORPUS_SPECS if have_real or not s.needs_micro_speech()]


def build_corpus(cache_dir: Path) -> list[Path]:
    """Build (or reuse) the corpus in ``cache_dir``; return the WAV paths.

    Files already present whose recipe hash and content hash match the
    manifest are left untouched.  The returned list follows
    :data:`CORPUS_SPECS` order.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = cache_dir / MANIFEST_NAME
    manifest: dict[str, dict[str, object]] = {}
    if manifest_path.exists():
        try:
            loaded = json.loads(manifest_path.read_text())
            if isinstance(loaded, dict):
                manifest = loaded
        except json.JSONDecodeError:
            manifest = {}

    versions = _tool_versions()
    specs = active_specs()
    hashes = {s.name: spec_hash(s, versions) for s in specs}
    todo: list[FileSpec] = []
    for spec in specs:
        path = cache_dir / spec.filename
        entry = manifest.get(spec.name, {})
        if not (
            path.exists()
            and entry.get("spec") == hashes[spec.name]
            and entry.get("sha256") == _sha256_file(path)
        ):
            todo.append(spec)

    if todo:
        tts = render_all_speech(
            it for s in todo for it in s.items if isinstance(it, Speech)
        )
        for spec in todo:
            pcm = synthesize(spec, tts)
            path = cache_dir / spec.filename
            tmp_path = path.with_suffix(".wav.tmp")
            write_wav(tmp_path, pcm)
            os.replace(tmp_path, path)
            manifest[spec.name] = {
                "spec": hashes[spec.name],
                "sha256": _sha256_file(path),
                "seconds": len(pcm) / 2 / SAMPLE_RATE,
                "description": spec.description,
                "wake_words": list(spec.wake_words),
            }
        tmp_manifest = manifest_path.with_suffix(".json.tmp")
        tmp_manifest.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        os.replace(tmp_manifest, manifest_path)

    return [cache_dir / s.filename for s in specs]


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wf:
        return wf.getnframes() / wf.getframerate()


def corpus_seconds(paths: Iterable[Path]) -> float:
    """Total duration in seconds of the given WAV files."""
    return sum(wav_seconds(Path(p)) for p in paths)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python tests/corpus.py OUT_DIR", file=sys.stderr)
        return 2
    start = time.monotonic()
    paths = build_corpus(Path(args[0]))
    elapsed = time.monotonic() - start
    by_name = {s.filename: s for s in CORPUS_SPECS}
    print(f"{'file':<28} {'seconds':>8}  description")
    for path in paths:
        spec = by_name[path.name]
        print(f"{path.name:<28} {wav_seconds(path):8.2f}  {spec.description}")
    total = corpus_seconds(paths)
    print(
        f"{len(paths)} files, {total:.1f} s ({total / 60:.2f} min), built in {elapsed:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
