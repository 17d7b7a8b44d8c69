#!/usr/bin/env bash
# Run by scripts/setup.sh, in a process of its own (so `set -euo pipefail` here never
# reaches the shell that sources setup.sh): creates .venv with Python >= 3.11 and installs
# CarePulse into it. Idempotent, quick when up to date.
#
# Usage: bash scripts/install.sh [--dev | --demo | --which-python]
#   --dev (default)  CarePulse with its development tools (.[dev]), the compiled core,
#                    promtool and amtool for the alert-rule tests, and chromium for the
#                    HTML report's rendering test (Debian packages)
#   --demo           only what `carepulse demo` runs: CarePulse without the development
#                    tools, no Debian packages; the core runs interpreted unless an earlier
#                    --dev install left mypyc in .venv
#   --which-python   print the interpreter the install would use, install nothing
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=${1:---dev}
case "$mode" in
  --dev | --demo | --which-python) ;;
  *) echo "install: unknown option '$mode' (--dev, --demo or --which-python)" >&2; exit 2 ;;
esac

# The first interpreter >= 3.11; a probe's own complaints (a pyenv shim for a version that
# is not installed prints "pyenv: python3.13: command not found") are not ours to show.
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 \
      && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      PY=$cand; break
    fi
  done
fi
[ -n "$PY" ] || { echo "setup: Python >= 3.11 not found (set PYTHON to one)" >&2; exit 1; }
if [ "$mode" = --which-python ]; then
  echo "$PY"; exit 0
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate

# A stamp per kind of install, newer than pyproject.toml when that install is up to date;
# the full one serves the demo too.
dev_stamp=.venv/.carepulse-installed demo_stamp=.venv/.carepulse-installed-demo
fresh() { [ -f "$1" ] && [ ! pyproject.toml -nt "$1" ]; }
if [ "$mode" = --dev ]; then
  if ! fresh "$dev_stamp"; then
    python -m pip install --quiet --upgrade pip >/dev/null
    python -m pip install --quiet -e '.[dev]'
    touch "$dev_stamp"
  fi
elif ! fresh "$dev_stamp" && ! fresh "$demo_stamp"; then
  python -m pip install --quiet --upgrade pip >/dev/null
  python -m pip install --quiet -e .
  touch "$demo_stamp"
fi

# The KPI core compiled with mypyc, about a fifth faster per event (docs/performance.md); it runs
# interpreted, with the same results, where it cannot be compiled (no C compiler, or no
# mypyc: the demo's install).
python scripts/compile_core.py || true

[ "$mode" = --dev ] || exit 0

# Debian packages for tests: promtool and amtool for the alert-rule tests (prometheus,
# prometheus-alertmanager), chromium for the HTML report's rendering test. No daemon may
# start (Prometheus would take ports 9090/9093): a policy-rc.d that denies starts is in
# place during the install (an existing one is kept).
# Usage: install_debian_tools WHAT WHAT_FAILS PACKAGE...
install_debian_tools() {
  local what=$1 fails=$2; shift 2
  local sudo="" log rc=0 policy=/usr/sbin/policy-rc.d own_policy=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "setup: $what missing and not root (no sudo): install the Debian" \
        "package(s) $*; $fails until then" >&2
      return 0
    fi
  fi
  if ! command -v apt-get >/dev/null; then
    echo "setup: $what missing and no apt-get: install $what on PATH; $fails until" \
      "then" >&2
    return 0
  fi
  echo "setup: installing $what (Debian: $*)"
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"; own_policy=1
  fi
  log=$(mktemp)
  { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install \
      -y -qq --no-install-recommends "$@"; } >"$log" 2>&1 || rc=$?
  if [ -n "$own_policy" ]; then $sudo rm -f "$policy"; fi
  if [ -d /run/systemd/system ]; then  # belt and braces: no daemon left on 9090/9093
    $sudo systemctl stop prometheus prometheus-alertmanager >/dev/null 2>&1 || true
  fi
  if [ "$rc" -ne 0 ]; then cat "$log" >&2; fi
  rm -f "$log"
  return "$rc"
}
if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null; then
  install_debian_tools "promtool and amtool" "the rule tests fail" prometheus \
    prometheus-alertmanager
fi
if ! command -v chromium >/dev/null; then
  install_debian_tools chromium "the HTML report's rendering test fails" chromium \
    fonts-liberation
fi
