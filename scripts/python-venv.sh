#!/usr/bin/env bash
# Creates a Python virtual environment and installs packages into it with pip, installing
# Debian's python3-venv first when the system Python lacks the venv module. Test tooling only:
# dialectgen itself never needs Python.
#
#   scripts/python-venv.sh VENV_DIR PACKAGE...
set -euo pipefail
venv=${1:?usage: scripts/python-venv.sh VENV_DIR PACKAGE...}
shift
rm -rf "$venv"
if ! python3 -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  run() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  DEBIAN_FRONTEND=noninteractive run apt-get install -y -qq python3-venv >/dev/null
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q "$@"
