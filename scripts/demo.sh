#!/usr/bin/env bash
# The live demo on a fresh machine: creates .venv and installs CarePulse (scripts/setup.sh),
# then runs `carepulse demo` — embedded broker, worker, simulated traffic at a live rate and
# a live KPI summary — until Ctrl-C. Usage: bash scripts/demo.sh [--rate 50] [--port 9092]
# [--metrics-port 9108] [--seed 1] [--events N]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh --demo
exec carepulse demo "$@"
