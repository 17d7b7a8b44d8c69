"""Writes grafana/dashboards/*.json from grafana/walls.py, or checks they are up to date.

    python -m grafana.generate                      # rewrite the JSON files
    python -m grafana.generate --check              # exit 1 naming each file that differs
    python -m grafana.generate --config FILE        # for the worker configuration FILE

The dashboards follow the worker's configuration (grafana/walls.py, `WallSettings`): the
currency of the money panels, the first-response thresholds from the SLA targets, the
text of the SLA panels without a policy. The files in the repository are generated from
examples/carepulse.toml, the configuration docker-compose.yml mounts for the worker.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grafana.walls import DASHBOARDS, WallSettings
from streams.config import ConfigError, load_config

OUT = Path(__file__).resolve().parent / "dashboards"
DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "examples" / "carepulse.toml"
"""The configuration of the compose deployment's worker."""


def settings(config_path: Path = DEFAULT_CONFIG) -> WallSettings:
    return WallSettings.of(load_config(config_path))


def rendered(config_path: Path = DEFAULT_CONFIG) -> dict[Path, str]:
    """Each dashboard file and its exact text, for the configuration at `config_path`."""
    wall_settings = settings(config_path)
    return {OUT / f"{name}.json":
            json.dumps(build(wall_settings), indent=2, ensure_ascii=False) + "\n"
            for name, build in DASHBOARDS.items()}


def stale(config_path: Path = DEFAULT_CONFIG) -> list[str]:
    """Files missing, different from their source, or left over from a removed dashboard."""
    expected = rendered(config_path)
    found = [path.name for path, text in expected.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    extra = sorted(path.name for path in OUT.glob("*.json") if path not in expected)
    return found + extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grafana.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a file differs from its source")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE",
                        help="the worker's TOML configuration (default: "
                             "examples/carepulse.toml, as docker-compose.yml mounts it)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            differing = stale(args.config)
            for name in differing:
                print(f"grafana/dashboards/{name} is not what grafana/walls.py generates "
                      f"for {args.config}", file=sys.stderr)
            return 1 if differing else 0
        texts = rendered(args.config)
    except ConfigError as error:
        print(f"python -m grafana.generate: error: {error}", file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
