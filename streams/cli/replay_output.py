"""What `carepulse replay` writes after the last event: the report in its format (to
--out or stdout), the ledger (--ledger), and, with a ledger, one stderr line tying the
ledger's sha256 to the report digest."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from streams.audit.ledger import Ledger, ledger_bytes
from streams.audit.render import render_table
from streams.audit.report import AuditRun

LEDGER_SUFFIXES = (".csv", ".jsonl")


def zone(name: str) -> ZoneInfo:
    """An IANA time zone, or the one-line argparse error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise argparse.ArgumentTypeError(
            f"unknown time zone {name!r}: give an IANA name such as UTC or Europe/Paris"
        ) from error


def write_outputs(
    args: argparse.Namespace, run: AuditRun, ledger: Ledger | None,
    compare: tuple[int, int] | None, tz: ZoneInfo,
) -> None:
    report = run.report()
    ledger_digest: tuple[str, str] | None = None
    if ledger is not None:
        rows = ledger.finish(run.engine.conversations.items(), run.sink.from_us, run.sink.to_us)
        content = ledger_bytes(rows, jsonl=args.ledger.suffix == ".jsonl")
        args.ledger.write_bytes(content)
        ledger_digest = (args.ledger.name, hashlib.sha256(content).hexdigest())
        print(f"carepulse replay: report {report['digest']}; ledger {args.ledger} "
              f"sha256:{ledger_digest[1]} ({len(rows):,} rows)", file=sys.stderr)
    if args.format == "json":
        text = json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    elif args.format == "table":
        text = render_table(report)
    else:
        from streams.audit.html.data import page_data  # the page's modules: only for html
        from streams.audit.html.page import render_html
        from streams.audit.html.period import comparison_note

        text = render_html(page_data(run, tz, comparison_note(run, compare), ledger_digest))
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
