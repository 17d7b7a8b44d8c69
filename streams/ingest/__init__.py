"""The HTTP ingest gateway (`carepulse ingest`): routes, bodies, credentials, the
acknowledging producer, the broker probe, the translator's supervision, and the replay of
a raw topic (`carepulse bridge replay`)."""
