"""Behaviour unchanged: fixed seeded files give the recorded report bytes.

Simulated files (streams.testing.simulate.write_file, three seeds, with malformed lines) are
replayed in-process through the audit path (the file source into an AuditRun, as
`carepulse replay --input` does), without a configuration, with
`examples/carepulse.toml` (SLA policies on business-hours calendars, per-channel costs,
social costs) and with that file plus a short resolved grace (conversations forgotten
and met again), over the whole file and over a bounded range. The sha256 of the bytes
`carepulse replay` writes (`--format json` and `--format table`) must equal the digests
below, RECORDED: any change of a number, of a key or of a byte of the output fails here.

The JSON digests were recorded from commit be04154 (before the packages were reorganised
into layers) and recorded again once, for report contract 1.1: the schema string became
`carepulse.report/v1.1`, every KPI block gained `requester_wait_seconds`,
`time_to_assignment_seconds`, `reassignments`, `one_touch_resolutions` and
`one_touch_rate`, and the report gained `by_team`. Every version 1 key kept its value in
all 18 cases (the reports compared without the new keys, the schema string and the digest
were identical before and after). The table digests are those of the table in human
units (issue 17: durations as `1 h 23 min`, rates as `94 %`, the ten busiest agents)
showing the contract 1.1 rows and team sections.

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
# the JSON recorded for report contract 1.1, the table in human units with its 1.1 rows.
RECORDED: dict[tuple[int, str, str], tuple[str, str]] = {
    (3, 'defaults', 'all'): (
        "68640dea0525f57d2445df7f429126759e3faaf2e1cb5a23675b587622df8dc6",
        "520e09606561c4d12af63e877fe4f077cf9b20f9e538020fbf41d2597e38dba4",
    ),
    (3, 'defaults', 'range'): (
        "88d75bf282346c1c80a816dc4d58ce41bd4f0eb2fe3c5b01b81298f7968dcad5",
        "d55aa8cf3c491b7a5eae7ba30317d708d9cbd150093077fa420e1a1a150dcb6f",
    ),
    (3, 'example', 'all'): (
        "7f50c8abd658bd07a6d9ad72929c056a9c11a2a2ba795c00665a51cdadc793ef",
        "b24cf72edccc271660e6e073108aaf97fc7fd57cc1dd09fdb0cc86635ce5743a",
    ),
    (3, 'example', 'range'): (
        "b87f2d4851b88d3dd72a3400cf1840791c2e8be0ffdff425b3ae204806cc7d42",
        "266eef3da9579743791fa1d6038cf9921b846e10f054bc2d6d353bf625f838e2",
    ),
    (3, 'example-short-grace', 'all'): (
        "85e7eaa86aa27bf3316ef89db98b7ba57dbc76ad7f94bf0dd70a411464d77cd4",
        "0dab37d65c5f3ab08dce3b05f6e2ff3eb8719e27566aeba4a166395fb6bb3f12",
    ),
    (3, 'example-short-grace', 'range'): (
        "113f895aa6d86536b78642fe4f67d0a189beb6e864fe287e80fde593209319cb",
        "d288ea0895cc78d03b9d99838d4782720ca8bbde0b4d3d1ff03d7b61ee8e2056",
    ),
    (7, 'defaults', 'all'): (
        "875f0673a7cab4013fbd7e453aa9aff58a2fe756a7031431c4a9b072270c9002",
        "557edc2d5615d9c9459c575d1c803d12cbcad5162bb443bd1483b0d47bead934",
    ),
    (7, 'defaults', 'range'): (
        "64bc6cd2374a91230c8aa3114cb1b67c403fb04d2fb1049ae5005fe9069c4519",
        "59b442a947593be4cc5d8a0e4e95ffe17741a4c7a24ee0217554c0bac85d2ee7",
    ),
    (7, 'example', 'all'): (
        "26cc89f22a8d3c4084d9f1c84bf3c8c8e117797a88bbf4c69d9af35d9974e932",
        "32273423728eb51201eaf741b2f02441dd1dcf391f1e3944c16cc630f54dd150",
    ),
    (7, 'example', 'range'): (
        "5174a5cee4cbd3c3d45fae246ebfd51a53c78553cac6fae1a6be890a02855ab7",
        "0e6d4db6980e2298e3014515c1aa941948c70d4129fc89c9dc631f4edf0f2f18",
    ),
    (7, 'example-short-grace', 'all'): (
        "f8729b76fabbade42c8b9fad89500835f75b49ec17858a085cec99ca2caf2aa2",
        "a84d736baed866589472dbe2d5817516bdd5362257f2fad3ffe0ad183696f366",
    ),
    (7, 'example-short-grace', 'range'): (
        "acd363b488dc7460d9ee07eb6064fc663709f2d663b19e241c9aaeea8e6b7524",
        "27d228063390bd674988b22cc1021d02d9453390147e4f03b387d6ec1c29ce80",
    ),
    (29, 'defaults', 'all'): (
        "27f924b46a4dae51cd5e1e0ba8d6bb7717b4b3aeb6d13c759dfa237a1bf8b4c0",
        "b9e369ef880ba9a772df7baed43ecbf01e3e2c7d85f9d0248411b267262410aa",
    ),
    (29, 'defaults', 'range'): (
        "7e4b20461759934ec86c07904ac1aabe2956fe44e622c9c99484cfb0fd530449",
        "d13604b6ddfd4430526ff138ab0efdb7e755bbabe1a476eadf39841c4fc628b9",
    ),
    (29, 'example', 'all'): (
        "43263bd5904fbb2ca3404bf1fec05695aa82362da9072a0cdd07ff47f7577489",
        "6b0a1eb2022ab242526ab4871826072fe6aae6ea3ff0c54e30c89e6495585b66",
    ),
    (29, 'example', 'range'): (
        "add59b6ad9755d3c0b5386e56519c35d8e86645a2ed6c3444b786024911a21db",
        "e2def7bc2ea07d270547482113139a9fb95e318530d7d0610b2672070c410edd",
    ),
    (29, 'example-short-grace', 'all'): (
        "1d083058958bdb19e43ebadc3f890c65de513cf090e1fef9ae66a83daa56f3b2",
        "129f4668a9cc53611b6f0436aedaff078c726686cb3582921a447124b84377a9",
    ),
    (29, 'example-short-grace', 'range'): (
        "ddbe0b7727c4fd64c23b6d5e4382776d94210b1cb978ebabae30cc46b33a3d49",
        "afca9e645b2f521b13dfaf2e0c9bdb6c90e09952e9ccaf850f98c889b555a6c9",
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
