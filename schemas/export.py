"""Writes the event union's JSON Schema to `schemas/json/` (run after changing a model:
`python -m schemas.export`). A test fails when the models and the file drift apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.events import EVENT_ADAPTER, EVENT_CONTRACT_VERSION

SCHEMA_PATH = Path(__file__).parent / "json" / f"event.{EVENT_CONTRACT_VERSION}.schema.json"


def event_json_schema() -> dict[str, Any]:
    schema = EVENT_ADAPTER.json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"carepulse/{SCHEMA_PATH.name}",
        "title": f"CarePulse event, contract {EVENT_CONTRACT_VERSION}",
        **schema,
    }


def render() -> str:
    return json.dumps(event_json_schema(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    SCHEMA_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()
