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
  # `rc`, not `status` (read-only in zsh); without BASH_SOURCE (zsh), from the repository
  local root mode=--dev rc=0
  root=$(cd "$(dirname "${BASH_SOURCE[0]:-scripts/setup.sh}")/.." && pwd)
  if [ "${1:-}" = --demo ]; then mode=--demo; fi
  bash "$root/scripts/install.sh" "$mode" || rc=$?
  unset -f _carepulse_setup
  if [ "$rc" -ne 0 ]; then
    echo "setup: the install failed (status $rc); .venv is not activated" >&2
    return "$rc"
  fi
  # shellcheck disable=SC1091
  source "$root/.venv/bin/activate"
}
# `return` when sourced, as intended; `exit` if run as `bash scripts/setup.sh`
# shellcheck disable=SC2317
_carepulse_setup "${1:-}" || return 2>/dev/null || exit
