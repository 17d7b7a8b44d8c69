"""The body of `POST /v1/events`: contract events as a JSON array or as NDJSON.

A body whose first non-blank byte is `[` is a JSON array; anything else is NDJSON (one
event per line, blank lines skipped). Each event is validated as the worker validates it
(`schemas.rejections.parse_event`): the accepted ones are produced keyed by their
`conversation_id`, each rejected one is answered with its index (from 0, in the array or
among the non-blank lines), reason and field path. An NDJSON line is produced byte for
byte; an array element as orjson writes it again (same JSON, compact).
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from schemas.rejections import DEFAULT_MAX_RECORD_BYTES, Rejection, parse_event


class BodyError(Exception):
    """The body as a whole cannot be read (HTTP 400; one line, never a value)."""


class TooManyEvents(Exception):
    """More events than `[ingest] max_events_per_request` (HTTP 413)."""


@dataclass(frozen=True, slots=True)
class Parsed:
    accepted: list[tuple[bytes, bytes]]  # (conversation_id, event JSON)
    rejected: list[tuple[int, Rejection]]


def split_events(body: bytes, max_events: int) -> list[bytes]:
    """The events of a body, each as its own JSON bytes."""
    start = body.lstrip()[:1]
    if start == b"[":
        try:
            items = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise BodyError(json_problem(body, error)) from error
        if not isinstance(items, list):
            raise BodyError("the body is not a JSON array of events")
        _check_count(len(items), max_events)
        return [orjson.dumps(item) for item in items]
    lines = [line for line in body.split(b"\n") if line.strip()]
    _check_count(len(lines), max_events)
    return lines


def parse_body(body: bytes, max_events: int,
               max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> Parsed:
    accepted: list[tuple[bytes, bytes]] = []
    rejected: list[tuple[int, Rejection]] = []
    for index, raw in enumerate(split_events(body, max_events)):
        parsed = parse_event(raw, max_record_bytes)
        if isinstance(parsed, Rejection):
            rejected.append((index, parsed))
        else:
            accepted.append((parsed.conversation_id.encode(), raw))
    if not accepted and not rejected:
        raise BodyError("the body holds no event")
    return Parsed(accepted, rejected)


def _check_count(count: int, max_events: int) -> None:
    if count > max_events:
        raise TooManyEvents(f"{count} events in one request; at most {max_events} "
                            "([ingest] max_events_per_request): split the batch")


def json_problem(body: bytes, error: orjson.JSONDecodeError) -> str:
    """Why a body is not JSON, in one line that quotes none of it."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"the body is not valid UTF-8 (at byte {bad.start})"
    return f"the body is not valid JSON ({str(error).split(':', 1)[0]})"
