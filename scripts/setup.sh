# Sourced by the other scripts, and by you: `source scripts/setup.sh` creates .venv with
# Python >= 3.11, installs CarePulse with its development tools into it (idempotent, quick
# when up to date) and activates it in your shell. `source scripts/setup.sh --demo`
# installs only what the demo runs (scripts/install.sh says what each installs).
#
# Sourcing changes nothing in your shell but the activation of .venv: no shell option (the
# install's `set -euo pipefail` lives in a process of its own, scripts/install.sh), no
# variable. On failure it returns the install's non-zero status after its message on
# stderr: a script with `set -e` stops there, an interactive shell goes on.
# shellcheck shell=bash
_carepulse_setup() {
  local root mode=--dev status=0
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  if [ "${1:-}" = --demo ]; then mode=--demo; fi
  bash "$root/scripts/install.sh" "$mode" || status=$?
  unset -f _carepulse_setup
  if [ "$status" -ne 0 ]; then
    echo "setup: the install failed (status $status); .venv is not activated" >&2
    return "$status"
  fi
  # shellcheck disable=SC1091
  source "$root/.venv/bin/activate"
}
# `return` when sourced, as intended; `exit` if run as `bash scripts/setup.sh`
# shellcheck disable=SC2317
_carepulse_setup "${1:-}" || return 2>/dev/null || exit
