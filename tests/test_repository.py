"""The repository itself: no file carries what a merge left unresolved."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MARKER = re.compile(rb"^(<{7}|>{7}) ", re.MULTILINE)


def test_no_tracked_file_holds_a_merge_conflict_marker() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.split(b"\0")
    marked = [name.decode() for name in tracked
              if name and (REPO / name.decode()).is_file()
              and MARKER.search((REPO / name.decode()).read_bytes())]
    assert marked == []
