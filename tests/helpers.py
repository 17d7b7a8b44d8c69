"""Small helpers shared by test files."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.cli.main import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one in-process `carepulse` run."""
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err
