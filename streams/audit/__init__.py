"""The audit layer: the report of a period recomputed from the event log (docs/kpis.md
section 7). `report.AuditRun` feeds the pure per-event engine (streams.kpi) and keeps the
facts of its range (`sink.ReportSink`); the sources are a JSONL file (`replay`) and a
Kafka topic (`topic_replay`); `render` shows a report as a table."""
