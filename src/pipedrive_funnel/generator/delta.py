"""A delta export: what the next days add to an export, as a daily refresh would load it.

`pipedrive-generate --delta-of BASE --days N` reads the base export and writes, into a directory
of its own, the N days after it. The base's day is the day after its latest deal change; the delta
covers [that day, N days later).
- deal_changes.csv holds new rows only: deals in progress move on a stage or are lost, new deals
  are created (new ids, now and then the id of an old deal: a reused deal id) and get an owner.
- activity.csv holds new activities (new ids) and changed rows of older ones, keyed by
  activity_id: a planned activity marked done, or one rescheduled (maybe into another month, maybe
  into a month already reported). An id the base uses on several rows is never changed: which row
  would the change be for?
- users.csv (one user renamed), stages.csv, activity_types.csv and fields.csv are whole files that
  replace the base's.
`combine_exports(base, delta, output)` writes the export a full export on the delta's last day
would be: the base's deal changes and then the delta's, each activity id's latest row, the delta's
small files. A delta load followed by an incremental build must give the marts of that export.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from faker import Faker

from pipedrive_funnel import export_format as fmt
from pipedrive_funnel.generator.deals import (
    DAYS_PER_STAGE,
    DAYS_TO_STAGE_1,
    DONE_SHARE,
    LAST_STAGE,
    LOST_REASON_IDS,
    LOST_SHARE,
    MOVE_ON_SHARE,
    REUSED_DEAL_ID_SHARE,
    SALES_CALL_SHARE,
    random_days,
    working_time,
)
from pipedrive_funnel.generator.writer import atomic_csv_files

RESCHEDULE_PER_DAY = 0.01  # share of recent activities moved to another day, per day of delta
LATE_CHANGE_DAYS = 30  # activities due this long before the delta can still change
SALES_CALL_TYPES = {2: fmt.TYPE_MEETING, 3: fmt.TYPE_SALES_CALL_2}


class DeltaError(ValueError):
    """A base export the delta cannot continue; the message names the file."""


@dataclass(slots=True)
class _Deal:
    last_change: datetime
    stage: int | None = None
    lost: bool = False


@dataclass
class _Base:
    """What the delta needs to know of the base export, read in one pass over each file."""

    deals: dict[int, _Deal] = field(default_factory=dict)
    first_change: datetime | None = None
    last_change: datetime | None = None
    activity_ids: Counter[int] = field(default_factory=Counter)
    recent: list[list[str]] = field(default_factory=list)  # activity rows that may still change
    users: list[list[str]] = field(default_factory=list)
    reps: set[int] = field(default_factory=set)  # users who own a deal: the sales team

    @property
    def day(self) -> datetime:
        """The first instant of the day after the latest deal change: the delta starts here."""
        assert self.last_change is not None
        return datetime.combine(self.last_change.date() + timedelta(days=1), datetime.min.time())


def _rows(path: Path) -> Iterator[list[str]]:
    if not path.is_file():
        raise DeltaError(f"{path}: missing; --delta-of needs a whole export")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        next(reader, None)
        yield from (row for row in reader if row)


def read_base(base_dir: Path) -> _Base:
    base = _Base()
    for row in _rows(base_dir / fmt.DEAL_CHANGES):
        deal_id, moment = int(row[0]), datetime.fromisoformat(row[1])
        deal = base.deals.setdefault(deal_id, _Deal(moment))
        deal.last_change = max(deal.last_change, moment)
        if row[2] == fmt.FIELD_STAGE_ID:
            deal.stage, deal.lost = int(row[3]), False
        elif row[2] == fmt.FIELD_LOST_REASON:
            deal.lost = True
        elif row[2] == fmt.FIELD_USER_ID:
            base.reps.add(int(row[3]))
        base.first_change = min(base.first_change or moment, moment)
        base.last_change = max(base.last_change or moment, moment)
    if base.last_change is None:
        raise DeltaError(f"{base_dir / fmt.DEAL_CHANGES}: no deal changes to continue")
    changeable_from = base.day - timedelta(days=LATE_CHANGE_DAYS)
    for row in _rows(base_dir / fmt.ACTIVITY):
        base.activity_ids[int(row[0])] += 1
        if row[5] and datetime.fromisoformat(row[5]) >= changeable_from:
            base.recent.append(row)
    base.users = list(_rows(base_dir / fmt.USERS))
    return base


@dataclass(frozen=True)
class DeltaSummary:
    start: datetime
    end: datetime
    rows: dict[str, int]  # data rows per file name
    changed_activities: int  # rows of activity.csv that change an activity of the base


def write_delta(base_dir: Path, days: int, seed: int, output_dir: Path) -> DeltaSummary:
    """Write the delta of `days` days after the export in `base_dir` into `output_dir`."""
    if days < 1:
        raise DeltaError(f"--days must be a positive integer, got {days}")
    base = read_base(base_dir)
    rng = random.Random(seed)
    start, end = base.day, base.day + timedelta(days=days)
    user_ids = sorted(base.reps) or [int(row[0]) for row in base.users]  # owners, assignees
    changes: list[tuple[int, datetime, str, str]] = []
    activities: list[tuple[int, str, int, int, bool, datetime]] = []
    next_activity = max(base.activity_ids, default=0) + 1

    def plan(kind: str, deal_id: int, due: datetime) -> None:
        nonlocal next_activity
        done = due < end and rng.random() < DONE_SHARE
        activities.append((next_activity, kind, rng.choice(user_ids), deal_id, done, due))
        next_activity += 1

    # deals in progress (a change within a stage's time before the delta) move on or are lost
    for deal_id in sorted(base.deals):
        deal = base.deals[deal_id]
        if deal.lost or deal.stage is None or deal.stage >= LAST_STAGE:
            continue
        if deal.last_change < start - timedelta(days=DAYS_PER_STAGE[1]):
            continue
        moment = (deal.last_change + random_days(rng, DAYS_PER_STAGE)).replace(microsecond=0)
        if not start <= moment < end:
            continue
        if rng.random() < MOVE_ON_SHARE:
            stage = deal.stage + 1
            changes.append((deal_id, moment, fmt.FIELD_STAGE_ID, str(stage)))
            if stage in SALES_CALL_TYPES and rng.random() < SALES_CALL_SHARE:
                plan(SALES_CALL_TYPES[stage], deal_id, working_time(rng, moment))
        elif rng.random() < LOST_SHARE:
            reason = str(rng.choice(LOST_REASON_IDS))
            changes.append((deal_id, moment, fmt.FIELD_LOST_REASON, reason))

    # new deals, at the base's rate of deals per day; now and then an old deal's id is reused
    assert base.first_change is not None
    per_day = len(base.deals) / max(1, (start - base.first_change).days)
    next_deal = max(base.deals) + 1
    for _ in range(max(1, round(per_day * days))):
        if rng.random() < REUSED_DEAL_ID_SHARE:
            deal_id = rng.choice(sorted(base.deals))
        else:
            deal_id, next_deal = next_deal, next_deal + 1
        created = start + timedelta(seconds=rng.randrange(days * 86_400))
        changes.append((deal_id, created, fmt.FIELD_ADD_TIME, created.isoformat()))
        owned = created + timedelta(seconds=rng.randrange(1, 120))
        changes.append((deal_id, owned, fmt.FIELD_USER_ID, str(rng.choice(user_ids))))
        entered = created + random_days(rng, DAYS_TO_STAGE_1)
        if entered < end:
            changes.append((deal_id, entered.replace(microsecond=0), fmt.FIELD_STAGE_ID, "1"))

    # late changes to recent activities: a planned one done after all or moved to another day
    # (done if that day has passed), a done one moved to another day before the delta's end
    changed: list[list[str]] = []
    reschedule_share = min(0.5, RESCHEDULE_PER_DAY * days)
    for row in base.recent:
        if base.activity_ids[int(row[0])] > 1:
            continue
        due, done = datetime.fromisoformat(row[5]), row[4] == fmt.BOOLEAN_TEXT[True]
        if rng.random() < reschedule_share:
            due = working_time(rng, due + random_days(rng, (-20.0, 20.0) if done else (1.0, 20.0)))
            if done and due >= end:
                continue
        if not done:
            done = due < end and rng.random() < DONE_SHARE
        if [fmt.BOOLEAN_TEXT[done], due.isoformat()] != row[4:]:
            changed.append([*row[:4], fmt.BOOLEAN_TEXT[done], due.isoformat()])

    users = [list(row) for row in base.users]
    renamed = rng.randrange(len(users))
    fake = Faker("en_US")
    fake.seed_instance(seed)
    users[renamed][1] = f"{users[renamed][1].rsplit(' ', 1)[0]} {fake.last_name()}"
    users[renamed][3] = (start + timedelta(seconds=rng.randrange(days * 86_400))).strftime(
        fmt.USER_MODIFIED_FORMAT
    )

    changes.sort()
    with atomic_csv_files(output_dir, fmt.HEADERS) as out:
        out[fmt.DEAL_CHANGES].writerows(
            (str(deal), moment.isoformat(" "), key, value) for deal, moment, key, value in changes
        )
        out[fmt.ACTIVITY].writerows(changed)
        out[fmt.ACTIVITY].writerows(
            (str(i), kind, str(user), str(deal), fmt.BOOLEAN_TEXT[done], due.isoformat())
            for i, kind, user, deal, done, due in activities
        )
        out[fmt.USERS].writerows(users)
        out[fmt.ACTIVITY_TYPES].writerows(fmt.ACTIVITY_TYPE_ROWS)
        out[fmt.STAGES].writerows(fmt.STAGE_ROWS)
        out[fmt.FIELDS].writerows(fmt.FIELD_ROWS)
    rows = {
        fmt.DEAL_CHANGES: len(changes),
        fmt.ACTIVITY: len(changed) + len(activities),
        fmt.USERS: len(users),
        fmt.ACTIVITY_TYPES: len(fmt.ACTIVITY_TYPE_ROWS),
        fmt.STAGES: len(fmt.STAGE_ROWS),
        fmt.FIELDS: len(fmt.FIELD_ROWS),
    }
    return DeltaSummary(start, end, rows, len(changed))


def combine_exports(base_dir: Path, delta_dir: Path, output_dir: Path) -> None:
    """The export after the delta, as `pipedrive-load --delta` merges it (loader/delta.py): the
    base's deal changes, then the delta's that the base does not hold; the base's activities
    but those whose id the delta changes, then the delta's; the delta's small files."""
    base_changes = list(_rows(base_dir / fmt.DEAL_CHANGES))
    held = {tuple(row) for row in base_changes if row[1]}
    base_activities = list(_rows(base_dir / fmt.ACTIVITY))
    rows_per_id = Counter(row[0] for row in base_activities if row[0])
    delta_activities = list(_rows(delta_dir / fmt.ACTIVITY))
    changed = {row[0] for row in delta_activities if row[0]}
    for activity_id in sorted(changed):
        if rows_per_id[activity_id] > 1:
            raise DeltaError(
                f"{delta_dir / fmt.ACTIVITY}: activity id {activity_id} is on "
                f"{rows_per_id[activity_id]} rows of the base export; a changed row cannot say "
                "which one it changes"
            )
    with atomic_csv_files(output_dir, fmt.HEADERS) as out:
        out[fmt.DEAL_CHANGES].writerows(base_changes)
        out[fmt.DEAL_CHANGES].writerows(
            row for row in _rows(delta_dir / fmt.DEAL_CHANGES) if tuple(row) not in held
        )
        out[fmt.ACTIVITY].writerows(row for row in base_activities if row[0] not in changed)
        out[fmt.ACTIVITY].writerows(delta_activities)
        for name in (fmt.USERS, fmt.ACTIVITY_TYPES, fmt.STAGES, fmt.FIELDS):
            out[name].writerows(_rows(delta_dir / name))
