"""The core compiled by scripts/compile_core.py gives exactly what the interpreted core
gives, and an extension older than its source is never imported instead of it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import streams
from streams import refuse_stale_extensions

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = EXTENSION_SUFFIXES[0]  # this interpreter's, as streams/__init__.py checks

# Run in both trees: which core runs, then a file replay's report and the restored
# state of a live partition fed the same file with a checkpoint every 1,000 records.
FINGERPRINT = """
import sys
from pathlib import Path

from streams import core_compiled
from streams.cli.main import main
from streams.config import load_config
from streams.state.partition import PartitionState
from streams.testing.simulate import write_file

events, config_path = Path(sys.argv[1]), Path(sys.argv[2])
write_file(events, 20_000, 11, bad_fraction=0.01)
print("compiled" if core_compiled() else "interpreted", flush=True)
main(["replay", "--input", str(events), "--config", str(config_path)])
config = load_config(config_path)
state, table = PartitionState(0, config), {}
for offset, line in enumerate(events.read_bytes().splitlines()):
    state.apply(offset, line, None)
    if offset % 1000 == 999 or offset == 19_999:
        records, meta = state.checkpoint()
        for key, value in [*records, meta]:
            table.pop(key, None) if value is None else table.__setitem__(key, value)
restored = PartitionState.restore(0, config, table.items())
print(len(table), restored.next_offset, len(restored.engine.conversations))
print(restored.checkpoint()[1][1].decode())  # the meta record: counts, totals, windows
"""


def fingerprint(tree: Path, work: Path) -> list[str]:
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", FINGERPRINT, str(work / "events.jsonl"),
         str(ROOT / "examples" / "carepulse.toml")],
        cwd=tree, env=environment, capture_output=True, text=True, timeout=300, check=True,
    )
    return done.stdout.splitlines()


def test_the_compiled_and_the_interpreted_core_give_the_same_reports_and_state(
    tmp_path: Path,
) -> None:
    interpreted = tmp_path / "interpreted"
    for package in ("streams", "schemas"):
        shutil.copytree(ROOT / package, interpreted / package,
                        ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    this_tree = fingerprint(ROOT, tmp_path / "a")
    plain = fingerprint(interpreted, tmp_path / "b")
    assert plain[0] == "interpreted"
    assert this_tree[0] == ("compiled" if streams.core_compiled() else "interpreted")
    assert '    "accepted": 19758,' in plain  # of 20,000 lines: 200 bad (1 %), 42 repeated
    assert this_tree[1:] == plain[1:]


def make_module(package: Path, extension_age_seconds: float) -> tuple[Path, Path]:
    (package / "sub").mkdir(parents=True, exist_ok=True)
    source, extension = package / "sub" / "mod.py", package / "sub" / f"mod{SUFFIX}"
    source.write_text("")
    extension.write_bytes(b"")
    now = source.stat().st_mtime
    os.utime(extension, (now - extension_age_seconds, now - extension_age_seconds))
    return source, extension


def test_an_extension_older_than_its_source_is_refused(tmp_path: Path) -> None:
    source, _ = make_module(tmp_path / "pkg", extension_age_seconds=5)
    with pytest.raises(ImportError, match=f"{source} changed after it was compiled"):
        refuse_stale_extensions(tmp_path / "pkg")


def test_an_extension_newer_than_its_source_or_of_another_python_is_imported(
    tmp_path: Path,
) -> None:
    make_module(tmp_path / "pkg", extension_age_seconds=-5)
    refuse_stale_extensions(tmp_path / "pkg")
    other_python = tmp_path / "pkg" / "sub" / "mod.cpython-399-x86_64-linux-gnu.so"
    other_python.write_bytes(b"")
    os.utime(other_python, (0, 0))
    refuse_stale_extensions(tmp_path / "pkg")
