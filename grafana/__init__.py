"""CarePulse's Grafana dashboards, generated from code.

`grafana/walls.py` is the one source of truth; `python -m grafana.generate` writes
`grafana/dashboards/*.json`, which Grafana provisions (a test fails when they differ).
"""
