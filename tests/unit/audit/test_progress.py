"""The replay's progress bar (drawn on stderr when it is a terminal)."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from streams.audit.progress import Progress
from streams.testing.simulate import write_file


def test_the_bar_shows_the_share_of_bytes_read_and_the_lines() -> None:
    source = io.BytesIO(b"x" * 1000)
    source.seek(250)
    out = io.StringIO()
    progress = Progress(source, 1000, stream=out)
    progress.update(65_536)
    progress.finish()
    text = out.getvalue()
    assert text.startswith("\r[#######.......................]  25.0% 65,536 lines ")
    assert text.endswith("/s\n")


def test_an_empty_file_does_not_divide_by_zero() -> None:
    out = io.StringIO()
    Progress(io.BytesIO(b""), 0, stream=out).update(0)
    assert "0.0% 0 lines" in out.getvalue()


def test_replay_draws_the_bar_only_when_stderr_is_a_terminal(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    write_file(events, 70_000, seed=2)
    command = [sys.executable, "-m", "streams.cli", "replay", "--input", str(events),
               "--out", str(tmp_path / "report.json")]
    master, slave = pty.openpty()
    try:
        subprocess.run(command, stderr=slave, check=True, timeout=120)
        terminal = os.read(master, 65_536).decode()
    finally:
        os.close(master)
        os.close(slave)
    assert " 65,536 lines " in terminal  # drawn every 65,536 lines
    piped = subprocess.run(command, capture_output=True, check=True, timeout=120)
    assert piped.stderr == b""
