#!/usr/bin/env bash
# Sourced by the other scripts: creates .venv with Python >= 3.11 and installs
# CarePulse with its development tools into it (idempotent, quick when up to date).
set -euo pipefail
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PY=$cand; break
    fi
  done
fi
[ -n "$PY" ] || { echo "setup: Python >= 3.11 not found" >&2; exit 1; }
stamp=.venv/.carepulse-installed
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  python -m pip install --quiet --upgrade pip >/dev/null
  python -m pip install --quiet -e '.[dev]'
  touch "$stamp"
fi
