"""One drift check: for each owner with synced, upcoming meetings due for a look, read what
the provider holds (one listing, a single read only where the listing cannot answer),
compare, and record or restore by the policy. The I/O shell around ``compare`` and
``schedule``; the time comes from the injected clock.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from worker.drift.budget import DriftBudget
from worker.drift.compare import Drift, compare
from worker.drift.schedule import DriftIntervals, is_due, reading_range
from worker.exceptions import ApiError, DriftStopped, InvalidMeeting, TransportError
from worker.store.drift import DriftCandidate, DriftStore, Finding
from worker.sync.provider import DriftReader, Providers, RemoteMeeting

logger = logging.getLogger(__name__)

Policy = Literal["report", "restore"]
# A cancelled meeting is made again only if it starts at least this far ahead: time for the
# next pass to create it.
RECREATE_LEAD = timedelta(minutes=1)


@dataclass(frozen=True)
class DriftSettings:
    policy: Policy
    intervals: DriftIntervals
    worker: str
    default_provider: str


@dataclass(frozen=True)
class DriftReport:
    counts: dict[str, int] = field(default_factory=dict)
    stopped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(sorted(self.counts.items()))
        if self.stopped:
            out["stopped"] = self.stopped
        return out


class DriftCheck:
    def __init__(
        self,
        store: DriftStore,
        providers: Providers,
        budget: DriftBudget,
        settings: DriftSettings,
        *,
        clock: Callable[[], datetime],
        stop: threading.Event | None = None,
    ) -> None:
        self.store = store
        self.readers = {n: p for n, p in providers.items() if isinstance(p, DriftReader)}
        self.providers = providers
        self.budget = budget
        self.settings = settings
        self.clock = clock
        self.stop = stop or threading.Event()

    def run(self) -> DriftReport:
        now = self.clock()
        counts: Counter[str] = Counter()
        owners: dict[tuple[str, str], list[DriftCandidate]] = defaultdict(list)
        for cand in self.store.candidates(
            now, self.readers, default_provider=self.settings.default_provider
        ):
            name = cand.row.provider or self.settings.default_provider
            owners[(name, cand.row.userid or "")].append(cand)
        # The owners checked longest ago first: a check the budget cuts short goes on
        # with the others next time, instead of starting over with the same ones.
        for (name, owner), cands in sorted(owners.items(), key=_least_recent):
            due = [
                c for c in cands if is_due(_start(c), c.checked_at, now, self.settings.intervals)
            ]
            if not due or not owner:
                continue
            if self.stop.is_set():
                return DriftReport(dict(counts), stopped="shutting down")
            try:
                remote = self._read(name, owner, due)
            except DriftStopped as exc:
                logger.info("drift_check_stopped reason=%s", exc)
                return DriftReport(dict(counts), stopped=str(exc))
            except (ApiError, TransportError, InvalidMeeting) as exc:
                # That owner waits for the next check (or, for a userid or a stored id that
                # cannot go into a request, an edit); the others go on.
                logger.warning("drift_read_failed owner=%s error=%s", owner, exc)
                counts["read_failed"] += 1
                continue
            counts["owners"] += 1
            self._settle(name, cands, remote, now, counts)
        return DriftReport(dict(counts))

    def _read(
        self, name: str, owner: str, due: list[DriftCandidate]
    ) -> Mapping[str, RemoteMeeting]:
        reader = self.readers[name]
        since, until = reading_range([_start(c) for c in due])
        return reader.read_remote(
            owner,
            [c.row.meeting_id or "" for c in due],
            since=since,
            until=until,
            call=self.budget.caller(self.providers[name], owner),
        )

    def _settle(
        self,
        name: str,
        cands: list[DriftCandidate],
        remote: Mapping[str, RemoteMeeting],
        now: datetime,
        counts: Counter[str],
    ) -> None:
        findings: list[Finding] = []
        found: list[tuple[DriftCandidate, Drift]] = []
        for cand in cands:
            seen = remote.get(cand.row.meeting_id or "")
            if seen is None:
                continue  # not due, and outside the part of the list that was read
            try:
                drift = compare(self.readers[name].synced_view(cand.row), seen)
            except InvalidMeeting as exc:
                logger.warning("drift_row_unreadable id=%s code=%s", cand.row.id, exc.code)
                continue
            counts["checked"] += 1
            state = None if drift is None else drift.state
            text = None if drift is None else drift.text
            findings.append(Finding(cand.row.id, cand.row.revision, state, text))
            if drift is not None:
                counts[drift.state] += 1
                found.append((cand, drift))
        self.store.record(findings, now)
        if self.settings.policy != "restore":
            return
        for cand, drift in found:
            if drift.state != "changed" and _start(cand) <= now + RECREATE_LEAD:
                # A meeting made again now would start in the past, which the sync refuses
                # (local.start_in_past): the finding stays reported, the row synced.
                counts["restore_too_late"] += 1
                continue
            if self.store.restore(cand.row, drift.state, now=now, worker=self.settings.worker):
                counts["restore_queued"] += 1


def _least_recent(item: tuple[tuple[str, str], list[DriftCandidate]]) -> datetime:
    checked = [c.checked_at for c in item[1]]
    return min((at or _NEVER for at in checked), default=_NEVER)


_NEVER = datetime.min.replace(tzinfo=UTC)


def _start(cand: DriftCandidate) -> datetime:
    start = cand.row.start_time
    assert isinstance(start, datetime)  # the candidates' query compares times
    return start
