#!/usr/bin/env bash
# Set up everything (idempotent) and run the main job: wake-word detection on
# the bundled samples with the C core, through the `earshot` CLI.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
for sample in okay_nabu hey_jarvis no_wake; do
    echo "== earshot detect host_tools/earshot/data/samples/$sample.wav"
    .venv/bin/earshot detect "host_tools/earshot/data/samples/$sample.wav"
done
