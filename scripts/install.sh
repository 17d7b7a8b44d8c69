#!/usr/bin/env bash
# Run by scripts/setup.sh, in a process of its own (so `set -euo pipefail` here never
# reaches the shell that sources setup.sh): creates .venv with Python >= 3.11 and installs
# CarePulse with its development tools into it (idempotent, quick when up to date).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
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
# The KPI core compiled with mypyc, about a fifth faster per event (README, Speed); it runs
# interpreted, with the same results, where it cannot be compiled.
python scripts/compile_core.py || true

# promtool and amtool for the alert-rule tests: Debian's prometheus and
# prometheus-alertmanager packages. No daemon may start (it would take ports 9090/9093):
# a policy-rc.d that denies starts is in place during the install (an existing one is kept).
install_prometheus_tools() {
  local sudo="" log rc=0 policy=/usr/sbin/policy-rc.d own_policy=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "setup: promtool/amtool missing and not root (no sudo): install the Debian" \
        "packages prometheus and prometheus-alertmanager; the rule tests fail until then" >&2
      return 0
    fi
  fi
  if ! command -v apt-get >/dev/null; then
    echo "setup: promtool/amtool missing and no apt-get: install Prometheus' promtool and" \
      "Alertmanager's amtool on PATH; the rule tests fail until then" >&2
    return 0
  fi
  echo "setup: installing promtool and amtool (Debian: prometheus, prometheus-alertmanager)"
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"; own_policy=1
  fi
  log=$(mktemp)
  { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install \
      -y -qq --no-install-recommends prometheus prometheus-alertmanager; } >"$log" 2>&1 || rc=$?
  if [ -n "$own_policy" ]; then $sudo rm -f "$policy"; fi
  if [ -d /run/systemd/system ]; then  # belt and braces: no daemon left on 9090/9093
    $sudo systemctl stop prometheus prometheus-alertmanager >/dev/null 2>&1 || true
  fi
  if [ "$rc" -ne 0 ]; then cat "$log" >&2; fi
  rm -f "$log"
  return "$rc"
}
if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null; then
  install_prometheus_tools
fi
