"""Behaviour unchanged: fixed seeded files give the same report bytes as at commit be04154.

Simulated files (streams.testing.simulate.write_file, three seeds, with malformed lines) are
replayed in-process through the audit path (the file source into an AuditRun, as
`carepulse replay --input` does), without a configuration, with
`examples/carepulse.toml` (SLA policies on business-hours calendars, per-channel costs,
social costs) and with that file plus a short resolved grace (conversations forgotten
and met again), over the whole file and over a bounded range. The sha256 of the bytes
`carepulse replay` writes (`--format json` and `--format table`) must equal the digests
below, RECORDED: the JSON from commit be04154 (before the packages were reorganised into
layers), the table from the commit that wrote it in human units (issue 17: durations as
`1 h 23 min`, rates as `94 %`, the ten busiest agents): any change of a number, of a key
or of a byte of the output fails here.

`python tests/contract/test_report_digests.py` prints the digests of the current code.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from streams.audit.render import render_table
from streams.audit.replay import replay_file
from streams.audit.report import AuditRun
from streams.config import CarePulseConfig, load_config
from streams.kpi.timeutil import parse_iso_us
from streams.testing.simulate import write_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "examples" / "carepulse.toml"

# seed -> (events, fraction of malformed lines)
FILES = {3: (40_000, 0.02), 7: (25_000, 0.005), 29: (60_000, 0.01)}
CONFIGS = ("defaults", "example", "example-short-grace")
RANGE = ("2026-11-02T06:00:00Z", "2026-11-02T09:30:00+01:00")  # --from, --to

# (seed, configuration, range) -> (sha256 of the JSON output, sha256 of the table output),
# the JSON recorded from commit be04154, the table from its human-units rewrite.
RECORDED: dict[tuple[int, str, str], tuple[str, str]] = {
    (3, 'defaults', 'all'): (
        "47dbec87ef223e52bcbe44634befde9eec5e63196d131b46e8fafcafb5b46257",
        "8c789d21186839233380be018c2f81aaecb2a47d3d44287bc18c87bf3fc81c9e",
    ),
    (3, 'defaults', 'range'): (
        "3dafbcc17a87b887221ed5383c0518c203a18f06eb8ea3862bfefa48f5d131ed",
        "3ce300f59b2825f329f2f96d69f835ee23cddbc9e57a54a2248f6d6e29b80f4a",
    ),
    (3, 'example', 'all'): (
        "64816d2aa8da75e0369aea2be0d8cd37f96880644a987a59f626ebb0910ca099",
        "9179aa8969fe6992ec20b5e70d72ea44d6fbf0c0e855ca36ec950e10b4cdea71",
    ),
    (3, 'example', 'range'): (
        "176d1886fc1025a3e8c7afb889d4f822834c04f901da5f1e35f0fcbd9d80cb99",
        "8291a248b77e61c719331952b9b4637aa11d7713f17695100645bb6c0b825a13",
    ),
    (3, 'example-short-grace', 'all'): (
        "f3568d620be4c62a8198c3c6d9e37814bd50f4412d364c9c33a7206e0b71e104",
        "30d4b6c203d4173b3234f2e189dfdd8071fa5822dac0f7bda58fe0e0c5f7220e",
    ),
    (3, 'example-short-grace', 'range'): (
        "1f466e3aff85c637ca531abb3aba5cd7dc0547c42175533f3609362289ad53d4",
        "eacc6c0d075c25405707b047bf79449b089d520833134ab371fdf85ec086614e",
    ),
    (7, 'defaults', 'all'): (
        "b83f187b4118826edc11ac8898d286cb54ff4e550f29b161e09461b380599080",
        "239c991b90225c511f3dc4d5f04ca4b72673dbf11adb4ca4540eece467f51acf",
    ),
    (7, 'defaults', 'range'): (
        "1512eb569a18b6d20a9412605735bfea1cd7089807f5db44a5a012c087409f78",
        "be8bc66979d0215120cf354436937e319f272a3f41534a9c9c32290410b6dddd",
    ),
    (7, 'example', 'all'): (
        "8f1becaefdfad77e8cde36916843529a15dff88f9c2b80b1d9b6e440542dcc52",
        "3a0c5b22c1a4881bb8c9f10198dad7a2f08b49ac56f39b567dcb4c56ea2e7ad4",
    ),
    (7, 'example', 'range'): (
        "889024a3dc8be4066a56967117d9c596183280e82c859c6cd42392810615da23",
        "1c95f96f5efc9b8d7f49c700f9992c7ab1338e2fa13e4bcb317781959c2cf846",
    ),
    (7, 'example-short-grace', 'all'): (
        "356e3e2fe13f7c2f9c1c8db2b282aa13ea469eabfdd9318c51b1fd04da859108",
        "1d1c08314445162cbee2c7716c63503e2e7550d185b7f6a4e58ce28ab1937f66",
    ),
    (7, 'example-short-grace', 'range'): (
        "9ca632a75bff3086823c90f0282620c651a1511501a48229df6674b35c97ed64",
        "db703d8e3b9ad93176a63b5a4f55d0e040e75088337dd8e84ea526bd14dfe7db",
    ),
    (29, 'defaults', 'all'): (
        "caeafe29c52ea0b44165636a5356339fdce0f4f8cd45aa25b270cd9603a6d701",
        "743fb232f74f991dbce0c36517d4f6fb66d1add57f704af060d33d2e34d0bf2b",
    ),
    (29, 'defaults', 'range'): (
        "f1a0e6c9779fb339b05fa2bedd1a91ad6b0e6a31682abb9c15ef28a74d368f22",
        "e0a137564dfe31f4ff3b63f15565061f1c58a2baabeed6112e9214c74d153dc8",
    ),
    (29, 'example', 'all'): (
        "3bb3b37b552ec8d6a082fa132225139989ed412b32b327dde1e57250369a7b47",
        "427e2566f46eb9c0ac0e1a0b7518dada7e440ef025c87fe07bd1366399649009",
    ),
    (29, 'example', 'range'): (
        "aecc10c54fc3655d0e714292f2783c1ba59c95550b27f9a74fab499daca42992",
        "721e86fcc797b799e90cdbeead835b327676868dc9bb4b0045e7c116465542c8",
    ),
    (29, 'example-short-grace', 'all'): (
        "c5ab06304664a6c156aa50534681c5a97252414d04d5ff6d4f52f2314c3cee8d",
        "ecec63a04921fe03abe9ce8d9a10a1edf93a8b5a06f89ea056d70812e1945f93",
    ),
    (29, 'example-short-grace', 'range'): (
        "2a6fffca3a8d20bba77e1f08e8a9cc0e5b656d97549d6795170938a01a469876",
        "f42895eec56c00609cfc4f3aea7a32428c03d881ced9dbb17a8c0c7a118fb964",
    ),
}


def config_of(name: str) -> CarePulseConfig:
    if name == "defaults":
        return CarePulseConfig()
    example = load_config(EXAMPLE_CONFIG)
    if name == "example":
        return example
    worker = example.worker.model_copy(update={"resolved_grace_seconds": 1_800.0})
    return example.model_copy(update={"worker": worker})


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    directory = tmp_path_factory.mktemp("digests")
    paths = {}
    for seed, (events, bad_fraction) in FILES.items():
        paths[seed] = directory / f"seed-{seed}.jsonl"
        assert write_file(paths[seed], events, seed, bad_fraction) == events
    return paths


def output_digests(path: Path, config: CarePulseConfig, bounded: bool) -> tuple[str, str]:
    """sha256 of what `carepulse replay --format json` and `--format table` write."""
    from_us, to_us = (parse_iso_us(RANGE[0]), parse_iso_us(RANGE[1])) if bounded else (
        None, None)
    run = AuditRun(config, from_us, to_us)
    replay_file(path, run)
    report = run.report()
    as_json = json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return (hashlib.sha256(as_json.encode("utf-8")).hexdigest(),
            hashlib.sha256(render_table(report).encode("utf-8")).hexdigest())


CASES = [(seed, config, span) for seed in FILES for config in CONFIGS
         for span in ("all", "range")]


@pytest.mark.parametrize(("seed", "config", "span"), CASES)
def test_report_bytes_are_those_recorded_from_be04154(
    files: dict[int, Path], seed: int, config: str, span: str
) -> None:
    digests = output_digests(files[seed], config_of(config), span == "range")
    assert digests == RECORDED[(seed, config, span)]


def test_the_recorded_digests_are_all_different() -> None:
    """Each case checks something of its own (a configuration that changed nothing
    would make two of them equal)."""
    json_digests = [json_digest for json_digest, _ in RECORDED.values()]
    assert len(RECORDED) == len(CASES)
    assert len(set(json_digests)) == len(json_digests)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        for seed, (events, bad_fraction) in FILES.items():
            path = Path(work) / f"seed-{seed}.jsonl"
            write_file(path, events, seed, bad_fraction)
            for config in CONFIGS:
                for span in ("all", "range"):
                    print(f"    ({seed}, {config!r}, {span!r}): (", file=sys.stdout)
                    for digest in output_digests(path, config_of(config), span == "range"):
                        print(f'        "{digest}",')
                    print("    ),")
