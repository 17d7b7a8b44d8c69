"""The HTML report of `carepulse replay --format html` (docs/cli.md): data.py gathers
what it is drawn from, tiles.py the headline numbers and their changes, svg.py the
charts, sections.py the charts and tables, page.py the page."""
