"""Behaviour unchanged: fixed seeded files give the recorded report bytes.

Simulated files (streams.testing.simulate.write_file, three seeds, with malformed lines) are
replayed in-process through the audit path (the file source into an AuditRun, as
`carepulse replay --input` does), without a configuration, with
`examples/carepulse.toml` (SLA policies on business-hours calendars, per-channel costs,
social costs) and with that file plus a short resolved grace (conversations forgotten
and met again), over the whole file and over a bounded range. The sha256 of the bytes
`carepulse replay` writes (`--format json` and `--format table`) must equal the digests
below: any change of a number, of a key or of a byte of the output fails here.

The digests were recorded from commit be04154 (before the packages were reorganised into
layers) and recorded again once, for report contract 1.1: the schema string became
`carepulse.report/v1.1`, every KPI block gained `requester_wait_seconds`,
`time_to_assignment_seconds`, `reassignments`, `one_touch_resolutions` and
`one_touch_rate`, the report gained `by_team`, and the table shows them. Every version 1
key kept its value in all 18 cases (the reports compared without the new keys, the schema
string and the digest were identical before and after). They were recorded a third
time when the simulator began to generate contract 1.1 traffic (status changes,
reassignments and escalations between teams): the input files themselves changed, so
every digest did, with no change of the audit code between the two recordings.

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
# recorded for report contract 1.1.
RECORDED: dict[tuple[int, str, str], tuple[str, str]] = {
    (3, 'defaults', 'all'): (
        "2ceb3bb39022e66dbcc0b9be19767f186a8f28d684101e111968ffe89a86f58d",
        "4baf492f71310e310437ad6998308965270adcfea6b4ea08f6f7cbcd563848a0",
    ),
    (3, 'defaults', 'range'): (
        "14a2f26f40af14b8c1a5663ff2a898cc5d0882ddf7df63a6632bf7e055c772d7",
        "da934b889cbb95bf4131d1324ffeb0bf4e80fe3b80edb1fabe690bda5ab75579",
    ),
    (3, 'example', 'all'): (
        "062994f96deb830bfd896eca95f3b3caecaba7ccdfaf6c1f49f3e1d06a7a71a3",
        "5aee7dfac335e36d3b2599101cc38ee477bfdb9ef4d633a4cda01eb7f5624526",
    ),
    (3, 'example', 'range'): (
        "1382fad6447c7dffe99d3861f94b238eb5ce95f4babe73ff6af11655b13c242c",
        "730ba98aac5fcb395a0bfcaf0cc5ca7633b291205af3bb4fe67b453410f8f125",
    ),
    (3, 'example-short-grace', 'all'): (
        "dc65a04ab8c4d54092f427d8231c64a7e6b3f9978107d2d0ce17f0ad7192f037",
        "5094d130c49eedd66e0f1b025673bbdaab18df74ea6219566ffcf69db13492b9",
    ),
    (3, 'example-short-grace', 'range'): (
        "d907a1ae2e5c31fe76618882ae7b50a92317f4462db54f665c34f6ab77224c14",
        "1c9d4969b3cbe551dd38a0acd38930d4ef3f69980c80e6f5848d2219d51b677e",
    ),
    (7, 'defaults', 'all'): (
        "09213a797ee5f5d5e1891236c5dbdd92a07e613516c6e92b6dcfb34476b20cf3",
        "3c58d598d8508ccfb93cf774f8f1b261207011e87ab80895b757b838505346f0",
    ),
    (7, 'defaults', 'range'): (
        "fc30d6b971e90d02bdc2ae92a97f5048e014d06fd998a54e01c50bedbb6db94e",
        "eb091a1a9a871d188b94f06dbf3ebdc8e551efd97f12c14356c4d872bddf82a3",
    ),
    (7, 'example', 'all'): (
        "2753a438568141ed87e971f135493bc038ac329887d898a84a016b3849a8ad44",
        "f3a8997a8173027ef44b8fbc6791dc7d8aaba0060ea6d9a78d60cf5ad8da98e8",
    ),
    (7, 'example', 'range'): (
        "0edc3ada81ce18f2e81a25a8c2dc5fe5ad85534f1c2e34e5ae0667657a49c903",
        "556d12baf80a0a26cf49b7fc6b614a9fd0bec473a4d6f4dcced0e12c2c4bb6d1",
    ),
    (7, 'example-short-grace', 'all'): (
        "cb59f3142c1ca31fc47a15428841077546ba0595c2932796588d7850277f5a0a",
        "a1f1bce1b9a0678e3c01fa057144512e5def3a1581342a2492b8d8aee21bb4bc",
    ),
    (7, 'example-short-grace', 'range'): (
        "5e88ed8c7c08ed4f6ee896516d4e2ad971318fd3872a5e33df29411642bc92fe",
        "b263998244b7b7f1bbae5a9b48dabe318b166bce92777de0106c9cfff8419e2d",
    ),
    (29, 'defaults', 'all'): (
        "0ecb79d27b7702a028c86866e26c0ca91f3d9645f0c24f70225b8dbfbdb65da9",
        "bec0d09a391ab9daeab068ffc49302f8baa9576fd9ec5a3a04a0baa1d1333900",
    ),
    (29, 'defaults', 'range'): (
        "1028662350ca9f91f526807f955d69df438404cc0f0afc7b5e89a1d13a627323",
        "5bf47c7b23a2424b50893b836d9a9ad533a866119732fbc09277479dc4c619d0",
    ),
    (29, 'example', 'all'): (
        "f5d74470c6795bb3bade1c2f0e4ad4fafd9165988f71c57a968aa1845abbecee",
        "1b39fc9fd3663d6dc1cc15421db1aca0f53f2d3dcaa7a1e46898fe86c83e6c29",
    ),
    (29, 'example', 'range'): (
        "ccc7ac424818a1ff8992fd288a5ec638970b6be776442cb4701be0ba139f57e5",
        "61438815a1c66f7309a5a13830eca312c87356a28e5b78487c73b693e4f33729",
    ),
    (29, 'example-short-grace', 'all'): (
        "7fccd180c9663b0ad4cae90e8f2857e5b27f299b0748cea2c443bafe05e9e708",
        "79c3e3a0570cbe86dafeac9329cfe6572438ec823c35da244168ee95db2703c2",
    ),
    (29, 'example-short-grace', 'range'): (
        "dcd0b209871b390118cb0d1b66e8e72ae65f1538bc27afd10da0ef29393fbc0d",
        "70d0c1f35f00ca5a3ff6a405cd06d670f9dab070e4e7cf39237c554ef9e00845",
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
def test_report_bytes_are_those_recorded(
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
