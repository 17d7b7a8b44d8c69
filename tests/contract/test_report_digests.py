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
were identical before and after). They were recorded a third time when the simulator
began to generate contract 1.1 traffic (status changes, reassignments and escalations
between teams): the input files themselves changed, so every digest did, with no change
of the audit code between the two recordings. The table digests are those of the table
in human units (durations as `1 h 23 min`, rates as `94 %`, the ten busiest agents) with
the 1.1 rows.

The six `example-short-grace` digests were recorded again when contract 1.1's "closed for
good" replaced forgetting by the file's newest event time (docs/kpis.md section 1): a
survey or sale after a resolution now counts toward the conversation's last event time
(a return within the grace of it is a reopen: `conversations_reopened` +1 or +2, `ignored`
-1 where it was a `conversation.reopened`, and the first-response, resolution and SLA
figures of those cycles), and a conversation closed for good and opened again counts
twice in an agent's `conversations`. That rule changed no other digest (the twelve
others were recorded before it and are unchanged).

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
        "f4e0782c21098e1e0a2336bda774ac261e99ecde6b885eea4e5ae79b30265ec0",
    ),
    (3, 'defaults', 'range'): (
        "14a2f26f40af14b8c1a5663ff2a898cc5d0882ddf7df63a6632bf7e055c772d7",
        "5add8a4ab6f911a8891b416012e5b7a39d59ccbabba5beb03d3826326c7d8b87",
    ),
    (3, 'example', 'all'): (
        "062994f96deb830bfd896eca95f3b3caecaba7ccdfaf6c1f49f3e1d06a7a71a3",
        "999549ecc4dc72e7bdb08a9d3e4cb14c67d312471441482d4b2a70fd8477ed6a",
    ),
    (3, 'example', 'range'): (
        "1382fad6447c7dffe99d3861f94b238eb5ce95f4babe73ff6af11655b13c242c",
        "98983eebbfa862a8932fd7651764bf37040868a8bb2f58af54c091f124231999",
    ),
    (3, 'example-short-grace', 'all'): (
        "25984e7d14e73d6130dc4a87fa066e246c328419231351b502aaeadef1ec5ed8",
        "8fe56a5eb204e7faac07f05a98015043b02256c55724f0ef0d48ef69387c238b",
    ),
    (3, 'example-short-grace', 'range'): (
        "2b29c66a6e3ff6718ab0eaac86544cf8f18b893a40ea0052e82d458c01816b73",
        "42aaba7649b6ca50d8fe669a07424cab4224265ccabdb1573b6325c49581bc5c",
    ),
    (7, 'defaults', 'all'): (
        "09213a797ee5f5d5e1891236c5dbdd92a07e613516c6e92b6dcfb34476b20cf3",
        "9028c65dcbd2fa1f89c0390e88e35e8c95f59f262900fc89aca959a9fd1f994b",
    ),
    (7, 'defaults', 'range'): (
        "fc30d6b971e90d02bdc2ae92a97f5048e014d06fd998a54e01c50bedbb6db94e",
        "a98ca4e90fd053fc7787c355d5b3364b860878c5a4b94fef04f5bf99c8a46d28",
    ),
    (7, 'example', 'all'): (
        "2753a438568141ed87e971f135493bc038ac329887d898a84a016b3849a8ad44",
        "670c1df9067037545d4c3bd85c8360e94f1f7648b4bf0c48527b3bd184e9408a",
    ),
    (7, 'example', 'range'): (
        "0edc3ada81ce18f2e81a25a8c2dc5fe5ad85534f1c2e34e5ae0667657a49c903",
        "83ec561dc9dd8cd00733d3ffa0a322dc5d33c3dba318560acc028943b6ec5a9f",
    ),
    (7, 'example-short-grace', 'all'): (
        "53fd3ea275f715a3149e8d3e62ca666c2f52e8c9c971f9d8d860efa8f1ff5330",
        "367d47520a374e0b00b30881c6584a551e26391eb77433499ddb6c3e13343f14",
    ),
    (7, 'example-short-grace', 'range'): (
        "df092deae91ab66b608d1c3e9a9e8756660629f6f8803533e35feed28b8ca785",
        "602dc40d93a9622d30c2a8c6d1f8bd6dbc57b431cb5a96ff864a4c29656e901c",
    ),
    (29, 'defaults', 'all'): (
        "0ecb79d27b7702a028c86866e26c0ca91f3d9645f0c24f70225b8dbfbdb65da9",
        "e65bf31f906c3d1a6ae261b289801e43ee3004156330dade53f76cf4d2129324",
    ),
    (29, 'defaults', 'range'): (
        "1028662350ca9f91f526807f955d69df438404cc0f0afc7b5e89a1d13a627323",
        "a9c9b76038055176a54726292e84714119e8c7185a56aef76224df8b8840123a",
    ),
    (29, 'example', 'all'): (
        "f5d74470c6795bb3bade1c2f0e4ad4fafd9165988f71c57a968aa1845abbecee",
        "43597397128897b3311611df2e0b8ca2aaae717f4e0e5acea129aadb56660a81",
    ),
    (29, 'example', 'range'): (
        "ccc7ac424818a1ff8992fd288a5ec638970b6be776442cb4701be0ba139f57e5",
        "664126c55467a33db77affacf19d2a403b1b436e63ed015470a1f5a7b99dd3c1",
    ),
    (29, 'example-short-grace', 'all'): (
        "41e028ae3cb4a23b4257ab091b5c8b4dcbb451b850ced00a72b65af8b7ad5a34",
        "1b01ac8c77d14996cdeab46dc4609779db721fb5abd87920c586b006fc7a0a92",
    ),
    (29, 'example-short-grace', 'range'): (
        "bc50d364fc9b4f4fbaf086f5811fcc167680c3e750a68c8d5fb6bf5da7f33f3d",
        "bdff9895c2c2a6791ae481d7a0446b73d01c60c73bb6521519fefb1d80df99eb",
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
