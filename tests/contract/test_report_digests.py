"""Behaviour unchanged: fixed seeded files give the recorded report bytes.

Simulated files (streams.testing.simulate.write_file, three seeds, with malformed lines) are
replayed in-process through the audit path (the file source into an AuditRun, as
`carepulse replay --input` does), without a configuration, with
`examples/carepulse.toml` (SLA policies on business-hours calendars, per-channel costs,
social costs) and with that file plus a short resolved grace (conversations forgotten
and met again), over the whole file and over a bounded range. The sha256 of the bytes
`carepulse replay` writes (`--format json` and `--format table`) must equal the digests
below: any change of a number, of a key or of a byte of the output fails here.

The JSON digests were recorded from commit be04154 (before the packages were reorganised
into layers) and recorded again once, for report contract 1.1: the schema string became
`carepulse.report/v1.1`, every KPI block gained `requester_wait_seconds`,
`time_to_assignment_seconds`, `reassignments`, `one_touch_resolutions` and
`one_touch_rate`, the report gained `by_team`. Every version 1 key kept its value in all
18 cases (the reports compared without the new keys, the schema string and the digest
were identical before and after). The table digests are those of the table in human
units (durations as `1 h 23 min`, rates as `94 %`, the ten busiest agents) with the 1.1
rows.

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
        "c70d9a3d7b04968d048bafaa4060b299cead79c5a2b0eebc37b943f9918bebdf",
    ),
    (3, 'defaults', 'range'): (
        "88d75bf282346c1c80a816dc4d58ce41bd4f0eb2fe3c5b01b81298f7968dcad5",
        "087b27171e4bef9ed411389ea9cb70bfdeaf7d0a663e448ae63e2553f338c44c",
    ),
    (3, 'example', 'all'): (
        "7f50c8abd658bd07a6d9ad72929c056a9c11a2a2ba795c00665a51cdadc793ef",
        "99bcc49d7b7582ee7695067d0f636affd0a1762df68decabaa693a14111f8869",
    ),
    (3, 'example', 'range'): (
        "b87f2d4851b88d3dd72a3400cf1840791c2e8be0ffdff425b3ae204806cc7d42",
        "fe00378066d7ba198d98069a555de0dc5a2dde0e1a280e2e966c5b05321ed87f",
    ),
    (3, 'example-short-grace', 'all'): (
        "85e7eaa86aa27bf3316ef89db98b7ba57dbc76ad7f94bf0dd70a411464d77cd4",
        "e8789b9b77cb583c1657caebf31e2b92685fde943cbacd65d2908238a1c5b943",
    ),
    (3, 'example-short-grace', 'range'): (
        "113f895aa6d86536b78642fe4f67d0a189beb6e864fe287e80fde593209319cb",
        "6e6d87cbf57e49ab1d222dff847890cb1facfc4ba1a6f4950408e981bf203a0f",
    ),
    (7, 'defaults', 'all'): (
        "875f0673a7cab4013fbd7e453aa9aff58a2fe756a7031431c4a9b072270c9002",
        "12efc04a2e370cbd472d7042d22fe57b5c5f02312a48c70e7ea36aa9392346de",
    ),
    (7, 'defaults', 'range'): (
        "64bc6cd2374a91230c8aa3114cb1b67c403fb04d2fb1049ae5005fe9069c4519",
        "9043752958c0687f192065778d1f13ac6aeccaab0c1fd20117e22f16686bab59",
    ),
    (7, 'example', 'all'): (
        "26cc89f22a8d3c4084d9f1c84bf3c8c8e117797a88bbf4c69d9af35d9974e932",
        "49a9b452cb091db9ceedc17a1ab67ac98a84a98731201d4ddd8d0fb675e04192",
    ),
    (7, 'example', 'range'): (
        "5174a5cee4cbd3c3d45fae246ebfd51a53c78553cac6fae1a6be890a02855ab7",
        "946d634f9a67ed60c2f533cdbc93fb02e8ff0262360fc34a9370b28e2e3cde94",
    ),
    (7, 'example-short-grace', 'all'): (
        "f8729b76fabbade42c8b9fad89500835f75b49ec17858a085cec99ca2caf2aa2",
        "a417683a2c6afa3c406c725ba0a61c21639bd80d4e01e0ac15795420fa5e563e",
    ),
    (7, 'example-short-grace', 'range'): (
        "acd363b488dc7460d9ee07eb6064fc663709f2d663b19e241c9aaeea8e6b7524",
        "1d5dacf28e7f98057986c31e081873c661a87d1f64723ffe997acd47944e595b",
    ),
    (29, 'defaults', 'all'): (
        "27f924b46a4dae51cd5e1e0ba8d6bb7717b4b3aeb6d13c759dfa237a1bf8b4c0",
        "fd8a09c4fbc95581b1691723ddf349ce2d091937baf2ba03faf695b7769e4378",
    ),
    (29, 'defaults', 'range'): (
        "7e4b20461759934ec86c07904ac1aabe2956fe44e622c9c99484cfb0fd530449",
        "99205514c0bfa09f83fb9ed80bcaf1af18415ceffceac1d150c92cf8941291c4",
    ),
    (29, 'example', 'all'): (
        "43263bd5904fbb2ca3404bf1fec05695aa82362da9072a0cdd07ff47f7577489",
        "e59f68af9756670ac21624269dda08256e67d42162ed29b3b309ec92c8ca5fc4",
    ),
    (29, 'example', 'range'): (
        "add59b6ad9755d3c0b5386e56519c35d8e86645a2ed6c3444b786024911a21db",
        "7c3174f6f97daa8319fd5d98dee57ed632cc76a47f3df52d877e4e7c8eb0b03e",
    ),
    (29, 'example-short-grace', 'all'): (
        "1d083058958bdb19e43ebadc3f890c65de513cf090e1fef9ae66a83daa56f3b2",
        "9e02e78997aab86986545b25b0995161fd0b28bb6703a279a910f5e2cd66aa6c",
    ),
    (29, 'example-short-grace', 'range'): (
        "ddbe0b7727c4fd64c23b6d5e4382776d94210b1cb978ebabae30cc46b33a3d49",
        "939182d0492520492fa1feadab66c366427db91e980679112e666a6d40916dfa",
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
