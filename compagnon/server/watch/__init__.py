"""How an operator watches a node: /metrics (Prometheus), /healthz and /readyz, request ids.

metrics.py   the counters and histograms, and the gauges read from the database at scrape
middleware.py  request id and latency per route, for every request
views.py     /metrics, /healthz, /readyz
"""
