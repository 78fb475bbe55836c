#!/usr/bin/env bash
# Set up everything (idempotent) and run the main job: `earshot demo` starts the
# virtual board (host_sim), builds and flashes its firmware over the paced serial
# link, streams sample utterances into its microphone and prints the board's
# events. Then the same samples through `earshot detect` on the host.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
.venv/bin/earshot demo
for sample in okay_nabu hey_jarvis; do
    echo "== earshot detect host_tools/earshot/data/samples/$sample.wav"
    .venv/bin/earshot detect "host_tools/earshot/data/samples/$sample.wav"
done
