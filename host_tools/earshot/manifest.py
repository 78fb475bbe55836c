"""microWakeWord JSON manifests and model name resolution."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

_REPO_MODELS = Path(__file__).resolve().parents[2] / "models" / "wakeword"


def builtin_model_dirs() -> list[Path]:
    """Folders searched for bundled models: ours first, then pymicro-wakeword's."""
    dirs = []
    if _REPO_MODELS.is_dir():
        dirs.append(_REPO_MODELS)
    spec = importlib.util.find_spec("pymicro_wakeword")
    if spec and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            d = Path(loc) / "models"
            if d.is_dir():
                dirs.append(d)
    return dirs


def builtin_names() -> list[str]:
    names: set[str] = set()
    for d in builtin_model_dirs():
        names.update(p.stem for p in d.glob("*.json"))
    return sorted(names)


DEFAULT_MODELS = ("okay_nabu", "hey_jarvis", "alexa", "hey_mycroft")


@dataclass(frozen=True)
class Manifest:
    """One wake-word model as its microWakeWord manifest describes it."""

    name: str
    wake_word: str
    model_path: Path
    probability_cutoff: float
    sliding_window_size: int
    tensor_arena_size: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, path: str | Path) -> Manifest:
        path = Path(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read manifest: {exc.strerror}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: manifest is not valid JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise ConfigError(f"{path}: manifest must be a JSON object")

        def need(obj: Any, key: str, where: str) -> Any:
            if not isinstance(obj, dict) or key not in obj:
                raise ConfigError(f"{path}: manifest is missing key '{where}{key}'")
            return obj[key]

        model = need(doc, "model", "")
        micro = need(doc, "micro", "")
        cutoff = need(micro, "probability_cutoff", "micro.")
        window = need(micro, "sliding_window_size", "micro.")
        if not isinstance(model, str) or not model:
            raise ConfigError(f"{path}: 'model' must be a file name")
        if not isinstance(cutoff, (int, float)) or not 0.0 < float(cutoff) < 1.0:
            raise ConfigError(f"{path}: 'micro.probability_cutoff' must be a number in (0, 1), got {cutoff!r}")
        if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 64:
            raise ConfigError(f"{path}: 'micro.sliding_window_size' must be an integer 1..64, got {window!r}")
        arena = micro.get("tensor_arena_size")
        return cls(
            name=Path(model).stem,
            wake_word=str(doc.get("wake_word", Path(model).stem)),
            model_path=(path.parent / model).resolve(),
            probability_cutoff=float(cutoff),
            sliding_window_size=window,
            tensor_arena_size=int(arena) if isinstance(arena, int) else None,
            raw=doc,
        )


def resolve(name_or_path: str) -> Manifest:
    """A manifest from a path to a .json file or the name of a bundled model."""
    p = Path(name_or_path)
    if name_or_path.endswith(".json") or p.is_file():
        return Manifest.from_json(p)
    for d in builtin_model_dirs():
        candidate = d / f"{name_or_path}.json"
        if candidate.is_file():
            return Manifest.from_json(candidate)
    known = ", ".join(builtin_names()) or "(none installed)"
    raise ConfigError(f"unknown wake-word model '{name_or_path}': give a manifest .json or one of: {known}")
