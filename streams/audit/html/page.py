"""The HTML report as one self-contained page: inline CSS (screen and print), inline SVG,
no script, and a Content-Security-Policy that forbids every fetch, so the page opens the
same from a mail attachment, a file share or a printer."""

from __future__ import annotations

from html import escape

from streams.audit.html import sections
from streams.audit.html.data import PageData
from streams.audit.html.tiles import Tile, tiles
from streams.kpi.timeutil import parse_iso_us

POLICY = "default-src 'none'; style-src 'unsafe-inline'"
STYLE = """
:root{--ink:#1d2733;--muted:#5b6775;--line:#d8dee6;--met:#2e8b57;--breach:#c0392b;
--bar:#3b6ea8;--tile:#f4f7fa}
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
margin:24px auto;max-width:980px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:16px;margin:0 0 6px}
header p,.note,footer{color:var(--muted);margin:2px 0}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;
margin:16px 0}
.tile{background:var(--tile);border:1px solid var(--line);border-radius:6px;padding:10px}
.tile .label{font-size:12px;color:var(--muted)}
.tile .value{font-size:20px;font-weight:600;margin:2px 0;white-space:nowrap}
.tile .note,.tile .change{font-size:11px;color:var(--muted)}
.tile .better{color:var(--met)}.tile .worse{color:var(--breach)}
section{margin:18px 0;break-inside:avoid;page-break-inside:avoid}
svg.chart{width:100%;height:auto;display:block}
svg .bar{fill:var(--bar)}svg .met{fill:var(--met)}svg .breach{fill:var(--breach)}
svg .tick,svg .label,svg .value,svg .peak{font-size:11px;fill:var(--ink)}
svg .axis{stroke:var(--line)}
table{border-collapse:collapse;width:100%;font-size:12px}
th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums}
footer{margin-top:24px;font-size:12px;word-break:break-all}
@page{size:A4;margin:12mm}
@media print{body{margin:0;max-width:none;font-size:11px}
.tiles{grid-template-columns:repeat(4,1fr)}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _tile(tile: Tile) -> str:
    change = (f'<div class="change {tile.trend}">{escape(tile.change)}</div>'
              if tile.change else "")
    return (f'<div class="tile"><div class="label">{escape(tile.label)}</div>'
            f'<div class="value">{escape(tile.value)}</div>'
            f'<div class="note">{escape(tile.note)}</div>{change}</div>')


def _range_line(data: PageData) -> str:
    report_range = data.report["range"]
    start = data.local(parse_iso_us(report_range["from"]))
    end = data.local(parse_iso_us(report_range["to"]))
    return (f"{start:%a %d %b %Y %H:%M} to {end:%a %d %b %Y %H:%M} "
            f"(time zone {data.tz.key}, UTC{start:%z}; end excluded)")


def render_html(data: PageData) -> str:
    report = data.report
    events = report["events"]
    ledger = ("" if data.ledger is None else
              f"<br>ledger {escape(data.ledger[0])} sha256:{escape(data.ledger[1])}")
    body = "".join((
        "<header><h1>Customer care report</h1>",
        f"<p>{escape(_range_line(data))}</p>",
        f"<p>{events['accepted']:,} events accepted, {events['rejected']:,} rejected, "
        f"{events['duplicates']:,} duplicates. Changes: {escape(data.comparison_note)}</p>",
        "</header>",
        '<div class="tiles">', *(_tile(t) for t in tiles(report, data.previous)), "</div>",
        sections.volume(data),
        sections.first_responses(data),
        sections.sla(report),
        sections.channels(report),
        sections.top_lists(report),
        sections.teams(report),
        sections.agents(report),
        f"<footer>Report {escape(report['schema'])} digest {escape(report['digest'])}"
        f"{ledger}<br>The digest is that of the JSON report of the same input and "
        "range (carepulse replay --format json).</footer>",
    ))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Customer care report {escape(report['range']['from'])}</title>"
        f"<style>{STYLE}</style></head><body>{body}</body></html>\n"
    )
