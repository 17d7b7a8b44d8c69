"""The weekly report schedule of docs/operations.md: the script computes last week's range
and passes `carepulse replay`'s exit code through, and the units and cron line shown in
the docs are the files in examples/schedule/.

The script runs with a stand-in `carepulse` that records its arguments and writes the
two files, so the test needs no broker and checks exactly what a real run is given.
"""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEDULE = ROOT / "examples" / "schedule"
SCRIPT = SCHEDULE / "carepulse-weekly-report"
FAKE_CAREPULSE = """#!/bin/sh
printf '%s\\n' "$@" > "$ARGS_FILE"
while [ $# -gt 0 ]; do
    case "$1" in --out|--ledger) echo written > "$2" ;; esac
    shift
done
exit "$FAKE_EXIT"
"""


def last_week() -> tuple[str, str]:
    """The Monday before this week's Monday and this week's Monday (UTC), as the docs
    define the week."""
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    return (monday - timedelta(days=7)).isoformat(), monday.isoformat()


def run_script(tmp_path: Path, exit_code: int) -> tuple[subprocess.CompletedProcess[str],
                                                        list[str]]:
    fake = tmp_path / "carepulse"
    fake.write_text(FAKE_CAREPULSE, encoding="utf-8")
    fake.chmod(0o755)
    arguments = tmp_path / "arguments"
    done = subprocess.run(
        ["sh", str(SCRIPT)], capture_output=True, text=True, timeout=30, check=False,
        env={**os.environ, "REPORTS": str(tmp_path / "reports"), "CAREPULSE": str(fake),
             "TOPIC": "shop.events", "CONFIG": "/etc/carepulse/site.toml",
             "ARGS_FILE": str(arguments), "FAKE_EXIT": str(exit_code)},
    )
    return done, arguments.read_text(encoding="utf-8").splitlines()


def test_the_script_reports_last_week_into_a_folder_named_for_its_monday(
    tmp_path: Path,
) -> None:
    done, arguments = run_script(tmp_path, 0)
    start, end = last_week()
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    partial = tmp_path / "reports" / f".{start}.partial"
    assert arguments == [
        "replay", "--topic", "shop.events", "--config", "/etc/carepulse/site.toml",
        "--from", f"{start}T00:00:00Z", "--to", f"{end}T00:00:00Z",
        "--format", "html", "--out", f"{partial}/report.html",
        "--ledger", f"{partial}/ledger.csv",
    ]
    assert sorted(path.name for path in (tmp_path / "reports").iterdir()) == [start]
    assert sorted(path.name for path in (tmp_path / "reports" / start).iterdir()) == [
        "ledger.csv", "report.html"]


@pytest.mark.parametrize("exit_code", [2, 3])
def test_a_failed_replay_is_the_scripts_exit_code_and_leaves_no_report_folder(
    tmp_path: Path, exit_code: int
) -> None:
    done, _ = run_script(tmp_path, exit_code)
    start, _ = last_week()
    assert done.returncode == exit_code
    assert sorted(path.name for path in (tmp_path / "reports").iterdir()) == [
        f".{start}.partial"]


def test_the_docs_show_the_units_and_the_cron_line_of_examples_schedule() -> None:
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:ini|crontab)\n(.*?)```", operations, flags=re.DOTALL)
    for name in ("carepulse-weekly-report.service", "carepulse-weekly-report.timer",
                 "carepulse-weekly-report.cron"):
        assert (SCHEDULE / name).read_text(encoding="utf-8") in blocks, name
