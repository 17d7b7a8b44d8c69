"""Behaviour unchanged: fixed seeded files give the same report bytes as at commit be04154.

Simulated files (streams.testing.simulate.write_file, three seeds, with malformed lines) are
replayed in-process through the audit path (the file source into an AuditRun, as
`carepulse replay --input` does), without a configuration, with
`examples/carepulse.toml` (SLA policies on business-hours calendars, per-channel costs,
social costs) and with that file plus a short resolved grace (conversations forgotten
and met again), over the whole file and over a bounded range. The sha256 of the bytes
`carepulse replay` writes (`--format json` and `--format table`) must equal the digests
below, RECORDED from commit be04154 (before the packages were reorganised into layers):
any change of a number, of a key or of a byte of the output fails here.

The six `example-short-grace` digests were recorded again when contract 1.1's "closed for
good" replaced forgetting by the file's newest event time (docs/kpis.md section 1): a
survey or sale after a resolution now counts toward the conversation's last event time
(a return within the grace of it is a reopen: `conversations_reopened` +1 or +2, `ignored`
-1 where it was a `conversation.reopened`, and the first-response, resolution and SLA
figures of those cycles), and a conversation closed for good and opened again counts
twice in an agent's `conversations`. Every other digest is still be04154's.

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
# recorded from commit be04154 (example-short-grace: contract 1.1, see above).
RECORDED: dict[tuple[int, str, str], tuple[str, str]] = {
    (3, 'defaults', 'all'): (
        "47dbec87ef223e52bcbe44634befde9eec5e63196d131b46e8fafcafb5b46257",
        "93e6b4f585eb51d493ded58c67dd21e93bd1f0834c60b56b56568d4a2f1cd284",
    ),
    (3, 'defaults', 'range'): (
        "3dafbcc17a87b887221ed5383c0518c203a18f06eb8ea3862bfefa48f5d131ed",
        "b357ceff3306fc42ad34d9737cf4b7d66303884d1e21313d31a6151f1830f645",
    ),
    (3, 'example', 'all'): (
        "64816d2aa8da75e0369aea2be0d8cd37f96880644a987a59f626ebb0910ca099",
        "a63b0c775c1a63923fbb9a3b9684f41e4fdb4672df46ed388cbed5f0c201f9a9",
    ),
    (3, 'example', 'range'): (
        "176d1886fc1025a3e8c7afb889d4f822834c04f901da5f1e35f0fcbd9d80cb99",
        "daf93aa86ffe337f8faf3ceb1bf65dc496915853921aa1684817667d3160b87e",
    ),
    (3, 'example-short-grace', 'all'): (
        "0f1665b9036715887995ff08e7a30dd9db823583d9a7e14c71958647a1a7d948",
        "743ac4aebeac78caf71b619a66ef3c298b7c88bf39dcfb2c8c8007bca0ed6a9b",
    ),
    (3, 'example-short-grace', 'range'): (
        "9178c8d49a64313dd251fef210151912ed15a947f7e26348578f2d16554dc579",
        "5f23ce2a82d0db56daa92ffad30e2537b166d2ea6a89393a9f1e04736e229a9b",
    ),
    (7, 'defaults', 'all'): (
        "b83f187b4118826edc11ac8898d286cb54ff4e550f29b161e09461b380599080",
        "3e9ab70d10a77c93b2a60f1fc6c14df946a93db85d9366e440af06d7ea1e39a9",
    ),
    (7, 'defaults', 'range'): (
        "1512eb569a18b6d20a9412605735bfea1cd7089807f5db44a5a012c087409f78",
        "83ec452d001f8f0419a026c828f6dcbc50f6b32815f30c86f82ad37952e96f33",
    ),
    (7, 'example', 'all'): (
        "8f1becaefdfad77e8cde36916843529a15dff88f9c2b80b1d9b6e440542dcc52",
        "d5dd30ba996729682c0c789fd94a54fec34db53afeb6f78bec02ec954d9931ce",
    ),
    (7, 'example', 'range'): (
        "889024a3dc8be4066a56967117d9c596183280e82c859c6cd42392810615da23",
        "711bc9a3ba22caa126be91c26cf85c9e7a3e0c727dc4bdfce1b8855adacc6d37",
    ),
    (7, 'example-short-grace', 'all'): (
        "df7bff3f6dfdac86a12beb2e36d81793c7ba57795f9286abb30fb27994ea95ba",
        "a5e6c2d6603b7ebcf9f1e1aaab014b0c73e946b9d2ffa74102f68ccd00ad95f6",
    ),
    (7, 'example-short-grace', 'range'): (
        "e87d7f4a251106afb2aadaaf5ecb8702717fc9ec7222830c951e6437183b0ef4",
        "d7eb4c6cfc28c2bf4ce052b5865384642e522f4b94b8697abcf582554f6b255a",
    ),
    (29, 'defaults', 'all'): (
        "caeafe29c52ea0b44165636a5356339fdce0f4f8cd45aa25b270cd9603a6d701",
        "b8a8ea1333f9cae940bad3d9d3fc08314c5f59ede7f0c7d5a8b72975c0c621c9",
    ),
    (29, 'defaults', 'range'): (
        "f1a0e6c9779fb339b05fa2bedd1a91ad6b0e6a31682abb9c15ef28a74d368f22",
        "e67533b3b5fa4f8a4da8789111b8e6ff742c2e61130fb586857f0500a1f12268",
    ),
    (29, 'example', 'all'): (
        "3bb3b37b552ec8d6a082fa132225139989ed412b32b327dde1e57250369a7b47",
        "96a22e1d2290d79932aee37aaa4fe8ff7e8e21228222e5c63b97150976b70961",
    ),
    (29, 'example', 'range'): (
        "aecc10c54fc3655d0e714292f2783c1ba59c95550b27f9a74fab499daca42992",
        "6884e3dd34a4dc08398ea5e8d64d1b552d6e2fba2f07718819cec1721cea057d",
    ),
    (29, 'example-short-grace', 'all'): (
        "cb1d6488056b608268c1b47a802851b275301dfcb154a41c602bd045c902629b",
        "4f6af98c097bb672e419c1efcfcb7463d068c766293f98aeaff47ff95469e4ec",
    ),
    (29, 'example-short-grace', 'range'): (
        "2e44751bf9d4b5fb61529a49054528bc45904f0cc49ff8fff8422714d4136eda",
        "5577bb4779fcbd3ff386a6a95106aa3afab9a236fa3be8eb75f63912eb4d0e23",
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
