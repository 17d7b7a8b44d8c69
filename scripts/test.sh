#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, then lints,
# type-checks, checks the import contracts (pyproject.toml) and runs pytest.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh --dev
echo "== ruff"; ruff check .
echo "== mypy"; mypy
echo "== import contracts"; lint-imports
echo "== pytest"; python -m pytest "$@"
