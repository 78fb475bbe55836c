"""Smoke test: the wake-word benchmark runs in quick mode and writes sane JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = {"okay_nabu", "hey_jarvis", "alexa", "hey_mycroft"}


def test_bench_wakeword_quick(tmp_path: Path) -> None:
    out = tmp_path / "tmp.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_wakeword.py"), "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "## 1. Time per inference" in proc.stdout
    doc = json.loads(out.read_text())

    invoke = doc["invoke"]
    assert {r["model"] for r in invoke} == MODELS
    for r in invoke:
        assert r["mean_us"] > 0 and r["median_us"] > 0, r
        assert r["invokes"] > 0
    runtimes = {r["runtime"] for r in invoke}
    assert len(runtimes) == 4
    # Same stream into every runtime: for each model some peer must agree with Earshot almost always.
    for model in MODELS:
        peers = [r["outputs_equal_earshot"] for r in invoke if r["model"] == model and "Earshot" not in r["runtime"]]
        assert max(peers) >= 0.9, (model, peers)

    arena = {a["model"]: a for a in doc["arena"]}
    assert set(arena) == MODELS
    for a in arena.values():
        assert a["earshot_arena_used"] > 0
        assert a["manifest_tensor_arena_size"] and a["manifest_tensor_arena_size"] > 0
        assert a["tflm_arena_used"] is None or a["tflm_arena_used"] > 0

    assert doc["pipeline"] and all(p["rtf_wall"] > 0 for p in doc["pipeline"])


def test_flash_benchmark_quick() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "benchmarks/bench_flash.py", "--quick"], cwd=root, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line.split("|") for line in proc.stdout.splitlines() if line.startswith("| 921600")]
    assert len(rows) == 2, proc.stdout
    raw, packed = (float(r[-3].strip().rstrip(" %")) for r in rows)
    assert 50.0 < raw <= 100.5  # image bytes per line rate, uncompressed
    assert packed > raw  # compression moves more image bytes than the line carries
