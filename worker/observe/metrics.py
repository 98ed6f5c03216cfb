"""The worker's Prometheus figures that are counted as they happen: API calls, their
latency, passes and the circuit. Provider-neutral: every call is labelled with the provider
that made it, so a second provider's calls land in the same series."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from worker.domain.calls import CallEvent

PREFIX = "meeting_sync"
# API round trips: a few ms against a local sandbox, up to the read timeout against the API.
CALL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A pass: from an empty claim (ms) to a backlog held back by the quota (minutes).
PASS_BUCKETS = (0.05, 0.25, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)


def call_outcome(event: CallEvent) -> tuple[str, str]:
    """The (outcome, code) labels of a call: ok, error (with the provider's code) or
    no_answer (timeout, reset, a cut connection)."""
    call = event.call
    if call.ok:
        return "ok", ""
    if call.http_status is None:
        return "no_answer", ""
    return "error", "" if call.error_code is None else str(call.error_code)


class Metrics:
    """The counters and histograms of one worker process, in their own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.calls = Counter(
            f"{PREFIX}_api_calls",
            "API calls by provider, endpoint, outcome (ok, error, no_answer) and error code",
            ("provider", "endpoint", "outcome", "code"),
            registry=r,
        )
        self.latency = Histogram(
            f"{PREFIX}_api_call_duration_seconds",
            "API call latency, from sending the request to the end of the answer",
            ("provider", "endpoint"),
            buckets=CALL_BUCKETS,
            registry=r,
        )
        self.passes = Counter(
            f"{PREFIX}_passes",
            "Sync passes by outcome (ok, circuit_open, database_unavailable, crashed)",
            ("outcome",),
            registry=r,
        )
        self.pass_duration = Histogram(
            f"{PREFIX}_pass_duration_seconds",
            "Duration of sync passes",
            buckets=PASS_BUCKETS,
            registry=r,
        )
        self.rows = Counter(
            f"{PREFIX}_rows_handled",
            "Rows handled by passes, by what happened to them (created, updated, failed, ...)",
            ("outcome",),
            registry=r,
        )
        self.circuit = Gauge(
            f"{PREFIX}_circuit_open",
            "1 while a configuration or credential fault keeps the worker from calling the API",
            registry=r,
        )

    def observe_call(self, event: CallEvent) -> None:
        outcome, code = call_outcome(event)
        endpoint = event.call.endpoint
        self.calls.labels(event.provider, endpoint, outcome, code).inc()
        self.latency.labels(event.provider, endpoint).observe(event.call.duration_seconds)

    def observe_pass(
        self, outcome: str, seconds: float, counts: dict[str, int], circuit_open: bool
    ) -> None:
        self.passes.labels(outcome).inc()
        self.pass_duration.observe(seconds)
        for name, n in counts.items():
            if name != "claimed":
                self.rows.labels(name).inc(n)
        self.circuit.set(1 if circuit_open else 0)
