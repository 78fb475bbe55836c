#!/usr/bin/env bash
# Set up everything (idempotent) and run the whole test suite: the host tests
# and the HIL suite on host_sim, then the HIL suite again on the Cortex-M55
# board (qemu_an547). Extra arguments go to both pytest runs.
# JUnit XML lands in build/test-results.xml and build/test-results-qemu_an547.xml.
set -uo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh || exit 1
mkdir -p build
status=0
.venv/bin/python -m pytest --junitxml=build/test-results.xml "$@"
rc=$?
if [ $rc -eq 5 ]; then
    echo "test.sh: pytest collected no tests (exit 5): treating as a failure" >&2
    rc=1
fi
[ $rc -ne 0 ] && status=$rc
.venv/bin/python -m pytest tests/hil --board qemu_an547 --junitxml=build/test-results-qemu_an547.xml "$@"
rc=$?
if [ $rc -eq 5 ]; then
    echo "test.sh: the qemu_an547 HIL run collected no tests (exit 5): treating as a failure" >&2
    rc=1
fi
[ $rc -ne 0 ] && status=$rc
exit $status
