"""`carepulse replay --input`: a JSONL file through the pure core into the audit report.

Bad lines never stop a replay: each is counted by reason and, with a rejects file,
written out with its line number, reason, field and the line itself, so nothing is lost.
"""

from __future__ import annotations

import base64
import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from schemas.rejections import Rejection, parse_event, validate_json
from streams.audit.progress import Progress
from streams.audit.report import AuditRun


def replay_lines(
    lines: Iterator[bytes], run: AuditRun, rejects: IO[str] | None = None,
    progress: Progress | None = None,
) -> None:
    """Feeds every non-blank line, numbered from 1, to `run`."""
    max_record_bytes = run.config.limits.max_record_bytes
    engine = run.engine  # compiled, like this loop: `engine.apply` is a direct call
    with collector_paused():
        for line_number, line in enumerate(lines, 1):
            # JSON allows the trailing newline, so valid lines are validated as they come
            # (the fast path: `validate_json`, as `parse_event` does, without its call);
            # only a failed line is classified and checked for being blank (not a record,
            # not counted).
            if len(line) <= max_record_bytes:
                try:
                    event = validate_json(line)
                except ValidationError:
                    pass
                else:
                    engine.apply(event)
                    if progress is not None and not line_number & 0xFFFF:
                        progress.update(line_number)
                    continue
            parsed = parse_event(line, max_record_bytes)
            if isinstance(parsed, Rejection):
                raw = line.rstrip(b"\r\n")
                if not raw.strip():
                    continue
                run.reject(parsed.reason)
                if rejects is not None:
                    rejects.write(reject_line(line_number, parsed, raw) + "\n")
            else:
                engine.apply(parsed)


def replay_file(
    path: Path, run: AuditRun, rejects: IO[str] | None = None, show_progress: bool = False
) -> None:
    with path.open("rb") as source:
        progress = Progress(source, path.stat().st_size) if show_progress else None
        replay_lines(iter(source), run, rejects, progress)
        if progress is not None:
            progress.finish()


def reject_line(line_number: int, rejection: Rejection, raw: bytes) -> str:
    """One JSON object per rejected line."""
    return reject_entry({"line": line_number}, rejection, raw)


def reject_entry(location: dict[str, Any], rejection: Rejection, raw: bytes | None) -> str:
    """A rejected record as one JSON object: where it lies, why, and the record itself as
    text, or base64 if it is not UTF-8 (`"raw": null` for a Kafka record without value)."""
    entry: dict[str, Any] = {
        **location,
        "reason": rejection.reason,
        "field": rejection.field,
        "detail": rejection.detail,
    }
    if raw is None:
        entry["raw"] = None
    else:
        try:
            entry["raw"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            entry["raw_base64"] = base64.b64encode(raw).decode("ascii")
    return json.dumps(entry, ensure_ascii=False)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The core creates no reference cycles; the cyclic collector would only rescan
    millions of live state objects again and again. At the end the objects the run
    allocated are frozen (`gc.freeze`: left out of every later collection; refcounting
    still frees them) before the collector is enabled again: else the first collection
    after it would walk every one of them (a gen-0 collection of all the state of a
    1,000,000-line replay took about a second)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
