"""The live worker's state, without Faust or Kafka: one `partition.PartitionState` per
input partition (an engine of streams.kpi with live SLA clocks, open gauges, cumulative
totals and rolling windows), and its changelog records (`checkpoint`)."""
