"""Coverage-guided fuzzing of the validator and the core with atheris (libFuzzer).

`python -m tests.atheris_target -runs=N [-seed=S]` feeds N inputs, starting from a few
valid records, to `parse_event` and every accepted event to the core; any exception other
than the documented rejection ends the run with a non-zero exit code and the input.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["schemas", "streams"]):
    from schemas.rejections import Rejection, parse_event
    from streams.audit.report import AuditRun
    from tests.unit.audit.test_fuzz import CONFIG


def one_input(data: bytes) -> None:
    result = parse_event(data)
    if not isinstance(result, Rejection):
        run = AuditRun(CONFIG)
        run.feed(result)
        run.report()


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
