"""Deal lifecycles and their activities, one deal id at a time: rows of deal_changes and activity.

A deal is created, gets an owner, enters stage 1 days to weeks later and moves up over weeks; about
three in four deals move on from each stage, some skip one, a few step back and re-enter; most end
lost with a reason (a few are reopened and lost again); some reach stage 9. Nothing after the export
date is in the export, except activities planned for later (never done). The quirks of real exports
are made here too: deal ids reused by two unrelated deals, deleted deals whose activities remain,
reused activity ids, and an activity history that starts later than the deal history.

Memory does not grow with the number of deals: each deal id's rows are built, yielded and dropped.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate

from pipedrive_funnel.export_format import (
    BOOLEAN_TEXT,
    FIELD_ADD_TIME,
    FIELD_LOST_REASON,
    FIELD_STAGE_ID,
    FIELD_USER_ID,
    LOST_REASON_LABELS,
    STAGE_IDS,
    TYPE_AFTER_CLOSE_CALL,
    TYPE_FOLLOW_UP,
    TYPE_MEETING,
    TYPE_SALES_CALL_2,
)

LAST_STAGE = max(STAGE_IDS)
LOST_REASON_IDS = tuple(LOST_REASON_LABELS)

# Funnel behaviour.
MOVE_ON_SHARE = 0.75  # deals that leave a stage for a later one
SKIP_SHARE = 0.15  # of those, deals that skip a stage (1 -> 3)
STEP_BACK_SHARE = 0.2  # deals that fall back one stage and then re-enter it
LOST_SHARE = 0.85  # of the deals that do not move on, those marked lost (the rest stall open)
REOPEN_SHARE = 0.1  # lost deals reopened later in the stage they were lost in
REASSIGN_SHARE = 0.4  # chance of each further hand-over of a deal to another owner
DAYS_TO_STAGE_1 = (1.0, 21.0)
DAYS_PER_STAGE = (2.0, 24.0)
DAYS_TO_REOPEN = (10.0, 60.0)
DAYS_TO_LOSS = (2.0, 40.0)

# Activities.
SALES_CALL_SHARE = 0.9  # deals reaching stage 2 (3) with a Sales Call 1 (2) around that time
EARLY_MEETING_SHARE = 0.3  # deals stuck in stage 1 that still had a Sales Call 1
AFTER_CLOSE_SHARE = 0.8  # deals reaching stage 6 with an after-close call
# follow-up calls and emails per deal, drawn uniformly: with the sales calls, a rep does tens of
# activities a month
FOLLOW_UPS = (5, 6, 7, 8, 9, 10, 11, 12)
DONE_SHARE = 0.55  # activities due before the export date that were done
OTHER_ASSIGNEE_SHARE = 0.1  # activities assigned to someone else than the deal owner
ACTIVITY_HISTORY_DELAY_MONTHS = 3  # the activity export starts this many months after the deal log
PLANNED_AHEAD_DAYS = 28  # activities are planned at most this far beyond the export date

# Quirks.
REUSED_DEAL_ID_SHARE = 0.005  # deal ids carrying a second, unrelated deal
DELETED_DEAL_SHARE = 0.01  # deals deleted from the deal log whose activities remain
REUSED_ACTIVITY_ID_SHARE = 0.005  # activities given the id of an earlier, unrelated activity
REUSED_ACTIVITY_ID_LOOKBACK = 200


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime  # first instant of the deal log
    export_at: datetime  # the export date: nothing in the log happened at or after it
    activities_from: datetime  # first instant of the activity history

    @property
    def planned_until(self) -> datetime:
        """No activity in the export is due at or after this instant."""
        return self.export_at + timedelta(days=PLANNED_AHEAD_DAYS)


@dataclass(slots=True)
class DealRows:
    """Every row one deal id contributes to the export, ready for csv.writer."""

    deal_id: int
    lifecycles: int
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)
    activities: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)


@dataclass(slots=True)
class _Lifecycle:
    events: list[tuple[datetime, str, str]]  # (time, changed_field_key, new_value)
    activities: list[tuple[str, datetime, int]]  # (type, due time, assignee)


class OwnerPicker:
    """Draws deal owners and activity assignees among the reps on the team at a moment; some
    reps carry more deals than others."""

    def __init__(self, rng: random.Random, reps: Sequence[tuple[int, datetime]]) -> None:
        """`reps`: (user id, when the rep joined the team)."""
        self._rng = rng
        ordered = sorted(reps, key=lambda rep: rep[1])
        self._user_ids = [user_id for user_id, _ in ordered]
        self._joined = [joined for _, joined in ordered]
        self._cum_weights = list(accumulate(0.2 + rng.random() for _ in ordered))

    def pick(self, at: datetime) -> int:
        """A rep who had joined by `at` (the founders, if nobody had)."""
        on_team = max(1, bisect_right(self._joined, at))
        drawn = self._rng.random() * self._cum_weights[on_team - 1]
        return self._user_ids[bisect_right(self._cum_weights, drawn, 0, on_team - 1)]


class ActivityIds:
    """Hands out increasing activity ids, now and then the id of a recent, unrelated activity."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._last = 0

    def next(self) -> int:
        if self._last > 1 and self._rng.random() < REUSED_ACTIVITY_ID_SHARE:
            return self._last - self._rng.randrange(1, min(self._last, REUSED_ACTIVITY_ID_LOOKBACK))
        self._last += 1
        return self._last


def random_days(rng: random.Random, bounds: tuple[float, float]) -> timedelta:
    return timedelta(seconds=int(rng.uniform(*bounds) * 86_400))


def working_time(rng: random.Random, day: datetime) -> datetime:
    """A due time on the quarter hour during office hours of the given day."""
    return day.replace(hour=rng.randrange(8, 18), minute=15 * rng.randrange(4), second=0)


def _simulate(rng: random.Random, owners: OwnerPicker, window: Window) -> _Lifecycle:
    span = int((window.export_at - window.start).total_seconds())
    created = window.start + timedelta(seconds=rng.randrange(span))
    owner = owners.pick(created)
    events: list[tuple[datetime, str, str]] = [
        (created, FIELD_ADD_TIME, created.isoformat()),
        (created + timedelta(seconds=rng.randrange(1, 120)), FIELD_USER_ID, str(owner)),
    ]
    entered: dict[int, datetime] = {}  # first entry into each stage
    moment = created + random_days(rng, DAYS_TO_STAGE_1)
    stage = 1
    events.append((moment, FIELD_STAGE_ID, "1"))
    entered[1] = moment
    while stage < LAST_STAGE:
        if rng.random() >= MOVE_ON_SHARE:
            if rng.random() >= LOST_SHARE:
                break
            moment += random_days(rng, DAYS_TO_LOSS)
            events.append((moment, FIELD_LOST_REASON, str(rng.choice(LOST_REASON_IDS))))
            if rng.random() >= REOPEN_SHARE:
                break
            moment += random_days(rng, DAYS_TO_REOPEN)
            events.append((moment, FIELD_STAGE_ID, str(stage)))
            continue
        if stage > 1 and rng.random() < STEP_BACK_SHARE:
            moment += random_days(rng, (1.0, 10.0))
            events.append((moment, FIELD_STAGE_ID, str(stage - 1)))
            moment += random_days(rng, (1.0, 10.0))
            events.append((moment, FIELD_STAGE_ID, str(stage)))
        skip = stage + 2 <= LAST_STAGE and rng.random() < SKIP_SHARE
        stage += 2 if skip else 1
        moment += random_days(rng, DAYS_PER_STAGE)
        events.append((moment, FIELD_STAGE_ID, str(stage)))
        entered.setdefault(stage, moment)
    last_event = moment
    while rng.random() < REASSIGN_SHARE:
        handover = created + (last_event - created) * rng.random() + timedelta(minutes=5)
        owner = owners.pick(handover)
        events.append((handover.replace(microsecond=0), FIELD_USER_ID, str(owner)))
    events.sort()
    return _Lifecycle(events, _plan_activities(rng, owners, owner, entered, created, last_event))


def _plan_activities(
    rng: random.Random,
    owners: OwnerPicker,
    owner: int,
    entered: dict[int, datetime],
    created: datetime,
    last_event: datetime,
) -> list[tuple[str, datetime, int]]:
    planned: list[tuple[str, datetime]] = []
    if 2 in entered and rng.random() < SALES_CALL_SHARE:
        planned.append((TYPE_MEETING, entered[2] + random_days(rng, (-3.0, 7.0))))
    elif 2 not in entered and rng.random() < EARLY_MEETING_SHARE:
        planned.append((TYPE_MEETING, entered[1] + random_days(rng, (3.0, 14.0))))
    if 3 in entered and rng.random() < SALES_CALL_SHARE:
        planned.append((TYPE_SALES_CALL_2, entered[3] + random_days(rng, (-3.0, 7.0))))
    span = (last_event - created).total_seconds() + 14 * 86_400
    for _ in range(rng.choice(FOLLOW_UPS)):
        planned.append((TYPE_FOLLOW_UP, created + timedelta(seconds=int(rng.random() * span))))
    late = next((entered[s] for s in range(6, LAST_STAGE + 1) if s in entered), None)
    if late is not None and rng.random() < AFTER_CLOSE_SHARE:
        planned.append((TYPE_AFTER_CLOSE_CALL, late + random_days(rng, (7.0, 30.0))))
    return [
        (
            kind,
            working_time(rng, due),
            owners.pick(due) if rng.random() < OTHER_ASSIGNEE_SHARE else owner,
        )
        for kind, due in planned
    ]


def generate_deal_rows(
    rng: random.Random, owners: OwnerPicker, window: Window, deals: int
) -> Iterator[DealRows]:
    """Yield the rows of `deals` deal lifecycles, grouped by deal id (1, 2, ...) in id order."""
    activity_ids = ActivityIds(rng)
    remaining = deals
    deal_id = 0
    while remaining > 0:
        deal_id += 1
        reused = remaining > 1 and rng.random() < REUSED_DEAL_ID_SHARE
        lifecycles = [_simulate(rng, owners, window) for _ in range(2 if reused else 1)]
        remaining -= len(lifecycles)
        deleted = not reused and rng.random() < DELETED_DEAL_SHARE
        rows = DealRows(deal_id, len(lifecycles))
        if not deleted:
            events = sorted(e for lifecycle in lifecycles for e in lifecycle.events)
            rows.changes = [
                (str(deal_id), moment.isoformat(" "), key, value)
                for moment, key, value in events
                if moment < window.export_at
            ]
        for lifecycle in lifecycles:
            for kind, due, assignee in sorted(lifecycle.activities):
                if not window.activities_from <= due < window.planned_until:
                    continue
                done = due < window.export_at and rng.random() < DONE_SHARE
                rows.activities.append(
                    (
                        str(activity_ids.next()),
                        kind,
                        str(assignee),
                        str(deal_id),
                        BOOLEAN_TEXT[done],
                        due.isoformat(),
                    )
                )
        yield rows
