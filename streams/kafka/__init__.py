"""Kafka clients and records: client settings and security, topics, the producer of
`carepulse produce`, dead letters and alert records, the changelog reader, reads of
skipped ranges, the consumer-group watchdog and repair, and the embedded broker."""
