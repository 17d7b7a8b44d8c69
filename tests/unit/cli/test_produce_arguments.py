"""`carepulse produce` refusals that need no broker: a bad `--rate`, a missing file."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.cli.main import main
from tests.helpers import run_cli


@pytest.mark.parametrize("rate", ["0", "-5", "fast", "inf"])
def test_rate_must_be_a_positive_number(capsys: pytest.CaptureFixture[str], rate: str,
                                        tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["produce", "--input", str(tmp_path / "x.jsonl"), "--rate", rate])
    assert exit_info.value.code == 2
    assert "is not a positive number of events/s" in capsys.readouterr().err


def test_produce_of_a_missing_file_fails_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(capsys, "produce", "--input", tmp_path / "nope.jsonl")
    assert (code, err) == (2, f"carepulse produce: error: {tmp_path / 'nope.jsonl'}: "
                              "no such file\n")
