"""Seeing a running worker from outside: Prometheus metrics, health and readiness, the pass
history, and the progress of a long `once`."""
