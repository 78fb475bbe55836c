"""Instructions per inference of the four wake-word models on the emulated Cortex-M55.

    python benchmarks/bench_m55_insns.py [--invokes N] [--runs R]

Runs build/qemu_an547/model_check.elf under qemu-system-arm -M mps3-an547 with
the TCG plugin build/qemu_an547/insn_count.so (scons qemu_plugin), which counts
the guest instructions from the entry of es_interp_invoke to the instruction
after its call, once per inference; does it R times (default 2) and prints the
instructions per inference per model for every run. The runs must be equal:
TCG instruction counts are deterministic (no interrupts run in model_check).
These are executed instructions, not Cortex-M55 cycles.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from earshot.boards import build
from earshot.insns import model_check_insns, plugin_path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--invokes", type=int, default=20, help="inferences per model (default 20)")
    ap.add_argument("--runs", type=int, default=2, help="QEMU runs (default 2)")
    args = ap.parse_args()
    build("qemu_an547")
    plugin_path()
    runs = [model_check_insns(args.invokes) for _ in range(args.runs)]
    print(f"instructions per inference on qemu mps3-an547 (Cortex-M55, TCG), {args.invokes} inferences per model")
    print()
    print("| model | run | first | min | median | max | mean | total |")
    print("|:---|---:|---:|---:|---:|---:|---:|---:|")
    for model in runs[0]:
        for r, counts in enumerate(runs, 1):
            c = counts[model]
            print(f"| {model} | {r} | {c[0]} | {min(c)} | {int(statistics.median(c))} | {max(c)} | "
                  f"{sum(c) / len(c):.1f} | {sum(c)} |")
    same = all(run == runs[0] for run in runs)
    print()
    print(f"runs identical (every inference of every model): {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
