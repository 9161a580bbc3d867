"""Reference implementation: the reports computed straight from the six export CSVs, in Python.

Written from the definitions of the README (not from the SQL models), so that comparing its
output with the marts checks the models independently:

- steps 1-9: a `stage_id` change sets the deal to stage 1-9; 2.1 / 3.1: a done `meeting` / `sc_2`
  activity is due; Lost: a `lost_reason` change sets a reason. A step counts the distinct deal ids
  that entered it in the calendar month of the time;
- per rep (assigned user id) and `YYYY-MM` of the due time: done activities, distinct deals,
  Sales Calls 1 (`meeting`) and 2 (`sc_2`) and the rest; names masked, "(unknown user)" when the
  user is missing, "(no name)" when the name is empty or the word null;
- cohort conversion: a deal id's cohort is the month it first entered step 1; per cohort, the deal
  ids that reached at least each step 1-9 (entered it or a later step, at any time), and those
  with a done Sales Call 1 or 2 or a loss at any time; rates to 4 decimals (half away from zero).
"""

from __future__ import annotations

import csv
import string
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

STAGE_STEPS = {
    1: ("1", "Lead Generation"),
    2: ("2", "Qualified Lead"),
    3: ("3", "Needs Assessment"),
    4: ("4", "Proposal/Quote Preparation"),
    5: ("5", "Negotiation"),
    6: ("6", "Closing"),
    7: ("7", "Implementation/Onboarding"),
    8: ("8", "Follow-up/Customer Success"),
    9: ("9", "Renewal/Expansion"),
}
CALL_STEPS = {"meeting": ("2.1", "Sales Call 1"), "sc_2": ("3.1", "Sales Call 2")}
LOST_STEP = ("Lost", "Lost")
UNKNOWN_USER = "(unknown user)"
NO_NAME = "(no name)"
_ASCII_DIGITS = frozenset("0123456789")
_ASCII_WHITE_SPACE = " \t\n\r\f\v"


@dataclass(frozen=True, order=True)
class FunnelRow:
    month: datetime
    kpi_name: str
    funnel_step: str
    deals_count: int


@dataclass(frozen=True, order=True)
class ConversionRow:
    cohort_month: date
    kpi_name: str
    funnel_step: str
    cohort_deals_count: int
    deals_count: int
    conversion_from_previous_step: Decimal | None
    conversion_from_step_1: Decimal


@dataclass(frozen=True, order=True)
class RepRow:
    month: str
    sales_rep_id: int
    sales_rep_name: str
    deals_worked: int
    activities_completed: int
    sales_call_1_completed: int
    sales_call_2_completed: int
    other_activities: int


def mask_name(name: str) -> str:
    """Each run of characters other than white space and ASCII punctuation keeps its first
    character, followed by ***: "Ann-Marie Lane" is "A***-M*** L***"."""
    masked = []
    in_run = False
    for character in name:
        if character.isspace() or character in string.punctuation:
            masked.append(character)
            in_run = False
        elif not in_run:
            masked.append(character + "***")
            in_run = True
    return "".join(masked)


def _name(name: str) -> str:
    """An empty name, or the word null in any case (dbt's seed reader reads it as no value), is
    no name."""
    return NO_NAME if name.strip().lower() in ("", "null") else mask_name(name)


def _rows(export_dir: Path, name: str) -> list[dict[str, str]]:
    with (export_dir / name).open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def _integer(text: str | None) -> int | None:
    """An integer (ASCII digits, an optional minus, white space around) that fits 32 bits."""
    if text is None:
        return None
    digits = text.strip(_ASCII_WHITE_SPACE).removeprefix("-")
    if not 1 <= len(digits) <= 10 or not set(digits) <= _ASCII_DIGITS:
        return None
    value = int(text)
    return value if -(2**31) <= value < 2**31 else None


def _time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None


def _month(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _done_activities(export_dir: Path) -> list[tuple[dict[str, str], datetime]]:
    done = []
    for row in _rows(export_dir, "activity.csv"):
        due = _time(row["due_to"])
        if row["done"].strip().lower() == "true" and due is not None:
            done.append((row, due))
    return done


def _entries(export_dir: Path) -> list[tuple[int, str, str, datetime]]:
    """Every (deal id, step, KPI name, moment) at which a deal entered a funnel step."""
    entries = []
    for row in _rows(export_dir, "deal_changes.csv"):
        deal, moment = _integer(row["deal_id"]), _time(row["change_time"])
        if deal is None or moment is None:
            continue
        value = _integer(row["new_value"])
        if row["changed_field_key"] == "stage_id" and value in STAGE_STEPS:
            entries.append((deal, *STAGE_STEPS[value], moment))
        elif row["changed_field_key"] == "lost_reason" and value is not None:
            entries.append((deal, *LOST_STEP, moment))
    for row, due in _done_activities(export_dir):
        deal = _integer(row["deal_id"])
        if row["type"] in CALL_STEPS and deal is not None:
            entries.append((deal, *CALL_STEPS[row["type"]], due))
    return entries


def funnel_report(export_dir: Path) -> list[FunnelRow]:
    entered: dict[tuple[datetime, str, str], set[int]] = defaultdict(set)
    for deal, step, kpi, moment in _entries(export_dir):
        entered[(_month(moment), step, kpi)].add(deal)
    return sorted(
        FunnelRow(month, kpi, step, len(deals)) for (month, step, kpi), deals in entered.items()
    )


def _rate(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def conversion_report(export_dir: Path) -> list[ConversionRow]:
    stage_order = {step: order for order, (step, _) in STAGE_STEPS.items()}
    cohort: dict[int, datetime] = {}  # deal id -> month of its first entry into step 1
    furthest: dict[int, int] = defaultdict(int)  # deal id -> the furthest stage step it entered
    other: dict[str, set[int]] = defaultdict(set)  # 2.1, 3.1, Lost -> deal ids that entered it
    for deal, step, _, moment in _entries(export_dir):
        if step in stage_order:
            furthest[deal] = max(furthest[deal], stage_order[step])
            if step == "1" and (deal not in cohort or moment < cohort[deal]):
                cohort[deal] = moment
        else:
            other[step].add(deal)
    members: dict[date, list[int]] = defaultdict(list)
    for deal, moment in cohort.items():
        members[_month(moment).date()].append(deal)
    rows = []
    for month, deals in members.items():
        previous = None
        for order, (step, kpi) in STAGE_STEPS.items():
            reached = sum(1 for deal in deals if furthest[deal] >= order)
            rows.append(
                ConversionRow(
                    month,
                    kpi,
                    step,
                    len(deals),
                    reached,
                    None if previous is None else _rate(reached, previous),
                    _rate(reached, len(deals)),
                )
            )
            previous = reached
        for step, kpi in [*CALL_STEPS.values(), LOST_STEP]:
            reached = sum(1 for deal in deals if deal in other[step])
            rows.append(
                ConversionRow(
                    month, kpi, step, len(deals), reached, None, _rate(reached, len(deals))
                )
            )
    return sorted(rows)


def rep_report(export_dir: Path) -> list[RepRow]:
    names = {
        user_id: _name(row["name"])
        for row in _rows(export_dir, "users.csv")
        if (user_id := _integer(row["id"])) is not None
    }
    deals: dict[tuple[str, int], set[int]] = defaultdict(set)
    counts: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row, due in _done_activities(export_dir):
        rep = _integer(row["assigned_to_user"])
        if rep is None:
            continue
        key = (due.strftime("%Y-%m"), rep)
        deal = _integer(row["deal_id"])
        if deal is not None:
            deals[key].add(deal)
        tally = counts[key]
        tally[0] += 1
        tally[1 if row["type"] == "meeting" else 2 if row["type"] == "sc_2" else 3] += 1
    return sorted(
        RepRow(month, rep, names.get(rep, UNKNOWN_USER), len(deals[(month, rep)]), *tally)
        for (month, rep), tally in counts.items()
    )
