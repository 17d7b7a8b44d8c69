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
string and the digest were identical before and after).

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
        "68640dea0525f57d2445df7f429126759e3faaf2e1cb5a23675b587622df8dc6",
        "105d53780baf205f86b7ac0c5811d935f3a9c32a46ffda48bc738a76ff5365a5",
    ),
    (3, 'defaults', 'range'): (
        "88d75bf282346c1c80a816dc4d58ce41bd4f0eb2fe3c5b01b81298f7968dcad5",
        "720ac72845f87c0e365c344a52402ba384b8e8edeee2c4e235bc689822be5c75",
    ),
    (3, 'example', 'all'): (
        "7f50c8abd658bd07a6d9ad72929c056a9c11a2a2ba795c00665a51cdadc793ef",
        "3b4e690beb6d686463b666bbb0eccc3b0e163132f0f2986d8b7533e64c305268",
    ),
    (3, 'example', 'range'): (
        "b87f2d4851b88d3dd72a3400cf1840791c2e8be0ffdff425b3ae204806cc7d42",
        "072ed65974d2cca405b38fb31b0c420b3a94901155e80081f2d6e6c82a16e5c5",
    ),
    (3, 'example-short-grace', 'all'): (
        "85e7eaa86aa27bf3316ef89db98b7ba57dbc76ad7f94bf0dd70a411464d77cd4",
        "02982e442cf2339cf7191318dfaa8aa3f9c41714d2668983803ff4c902ae9bfa",
    ),
    (3, 'example-short-grace', 'range'): (
        "113f895aa6d86536b78642fe4f67d0a189beb6e864fe287e80fde593209319cb",
        "6422fbd99d43d939e15555923558cabd2d411342aa864068cdf82120409ff574",
    ),
    (7, 'defaults', 'all'): (
        "875f0673a7cab4013fbd7e453aa9aff58a2fe756a7031431c4a9b072270c9002",
        "0f71021c9a6d7c1710cdfc3335244e2a9afe84487aae1422c09c367e44211786",
    ),
    (7, 'defaults', 'range'): (
        "64bc6cd2374a91230c8aa3114cb1b67c403fb04d2fb1049ae5005fe9069c4519",
        "a8063872457a660e30ef337839081aa1a7ee8144fc71ce6001b5ed8b7a35f196",
    ),
    (7, 'example', 'all'): (
        "26cc89f22a8d3c4084d9f1c84bf3c8c8e117797a88bbf4c69d9af35d9974e932",
        "1bf24a662847757286872c33dc97b3323d7473b9aba5fd8425fd2e9f808bc0a0",
    ),
    (7, 'example', 'range'): (
        "5174a5cee4cbd3c3d45fae246ebfd51a53c78553cac6fae1a6be890a02855ab7",
        "72c3e54fde3a4b4ed6b11c72dc47c5ee8246d95ae713316717ba7b468ecd2183",
    ),
    (7, 'example-short-grace', 'all'): (
        "f8729b76fabbade42c8b9fad89500835f75b49ec17858a085cec99ca2caf2aa2",
        "1af57484c28a193252f743049586707db706aab9f1ef081dedad6e3d20234e2e",
    ),
    (7, 'example-short-grace', 'range'): (
        "acd363b488dc7460d9ee07eb6064fc663709f2d663b19e241c9aaeea8e6b7524",
        "6ab20bbcb8926c20355ebbb063f60895e1ad673d7231efe318e86da5fec599e9",
    ),
    (29, 'defaults', 'all'): (
        "27f924b46a4dae51cd5e1e0ba8d6bb7717b4b3aeb6d13c759dfa237a1bf8b4c0",
        "b1679ee901524e5408b25d3c86c3f1f1722e0fd7df7f61f1074c61246a2f970d",
    ),
    (29, 'defaults', 'range'): (
        "7e4b20461759934ec86c07904ac1aabe2956fe44e622c9c99484cfb0fd530449",
        "eefd6a21576402e1a695378f87831406b271e240b7b52271dc1346e84593cbc0",
    ),
    (29, 'example', 'all'): (
        "43263bd5904fbb2ca3404bf1fec05695aa82362da9072a0cdd07ff47f7577489",
        "4025c7f10836cf8237394f61147aaae9d31c5d4354f99f245e9e3903ae7a5fec",
    ),
    (29, 'example', 'range'): (
        "add59b6ad9755d3c0b5386e56519c35d8e86645a2ed6c3444b786024911a21db",
        "ac41249813a2af3e1468b29ce69b3f21570b6af42e0891de6394426ea7d764e3",
    ),
    (29, 'example-short-grace', 'all'): (
        "1d083058958bdb19e43ebadc3f890c65de513cf090e1fef9ae66a83daa56f3b2",
        "db203b4a4463bd34a54d212a89b5e16a23c8e3d9d25c9dd797a7203f6bc7e63b",
    ),
    (29, 'example-short-grace', 'range'): (
        "ddbe0b7727c4fd64c23b6d5e4382776d94210b1cb978ebabae30cc46b33a3d49",
        "5aa234e3d4cac07c3a6aaf6ba8a00bbc5d9815e1b3252cbb37a562847b2c69c7",
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
