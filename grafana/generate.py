"""Writes grafana/dashboards/*.json from grafana/walls.py, or checks they are up to date.

    python -m grafana.generate           # rewrite the JSON files
    python -m grafana.generate --check   # exit 1 naming each file that differs
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grafana.walls import DASHBOARDS

OUT = Path(__file__).resolve().parent / "dashboards"


def rendered() -> dict[Path, str]:
    """Each dashboard file and its exact text."""
    return {OUT / f"{name}.json": json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
            for name, build in DASHBOARDS.items()}


def stale() -> list[str]:
    """Files missing, different from their source, or left over from a removed dashboard."""
    expected = rendered()
    found = [path.name for path, text in expected.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    extra = sorted(path.name for path in OUT.glob("*.json") if path not in expected)
    return found + extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grafana.generate", description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a file differs from its source")
    args = parser.parse_args(argv)
    if args.check:
        differing = stale()
        for name in differing:
            print(f"grafana/dashboards/{name} is not what grafana/walls.py generates",
                  file=sys.stderr)
        return 1 if differing else 0
    OUT.mkdir(exist_ok=True)
    for path, text in rendered().items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
