"""The repository itself: no file carries what a merge left unresolved, and none points
at documents outside the repository (a clone has only its own docs/)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MARKER = re.compile(rb"^(<{7}|>{7}) ", re.MULTILINE)
# Spelled in pieces so that this file does not match itself. The spec files' names are
# upper case; the product's own docs are docs/events.md and docs/kpis.md.
OUTSIDE = re.compile(b"|".join(re.escape(part.encode()) for part in (
    "../" + "shared", "shared" + "/spec", "DESIGN" + ".md", "KPIS" + ".md", "EVENTS" + ".md",
)))


def _tracked_files() -> list[Path]:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.split(b"\0")
    return [REPO / name.decode() for name in tracked if name and (REPO / name.decode()).is_file()]


def test_no_tracked_file_holds_a_merge_conflict_marker() -> None:
    marked = [str(path.relative_to(REPO)) for path in _tracked_files()
              if MARKER.search(path.read_bytes())]
    assert marked == []


def test_no_tracked_file_cites_documents_outside_the_repository() -> None:
    citing = [f"{path.relative_to(REPO)}: {match.group().decode()}"
              for path in _tracked_files() for match in OUTSIDE.finditer(path.read_bytes())]
    assert citing == []
