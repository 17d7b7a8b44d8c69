"""`/metrics` for Prometheus: the collector that reads the live state at scrape time,
the text exposition, the HTTP server and its security. The only package that imports
prometheus_client."""
