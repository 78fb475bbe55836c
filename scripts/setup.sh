#!/usr/bin/env bash
# Idempotent set-up of a fresh Debian machine for Earshot: system packages,
# a virtual environment in .venv, and the project installed into it (editable,
# with the test extras). Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(gcc clang make python3-venv gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm espeak-ng flite sox)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$PY" -m venv .venv
fi
stamp=.venv/.earshot-installed
# Reinstall when the build inputs changed (C sources, binding, dependencies).
newest=$(find pyproject.toml setup.py host_tools/earshot/_cffi_build.py runtime -newer "$stamp" -print -quit 2>/dev/null || echo new)
if [ ! -f "$stamp" ] || [ -n "$newest" ] || ! .venv/bin/python -c "import earshot._core" 2>/dev/null; then
    echo "setup: installing earshot and its dependencies into .venv"
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q -e ".[test]"
    touch "$stamp"
fi
