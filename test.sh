#!/usr/bin/env bash
# Set up everything (idempotent) and run the whole test suite.
# Extra arguments go to pytest. JUnit XML lands in build/test-results.xml.
set -uo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh || exit 1
mkdir -p build
.venv/bin/python -m pytest --junitxml=build/test-results.xml "$@"
rc=$?
if [ $rc -eq 5 ]; then
    echo "test.sh: pytest collected no tests (exit 5): treating as a failure" >&2
    exit 1
fi
exit $rc
