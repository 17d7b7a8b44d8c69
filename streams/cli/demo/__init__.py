"""`carepulse demo`: embedded broker, worker and simulated live traffic, with a live
summary of the worker's /metrics."""
