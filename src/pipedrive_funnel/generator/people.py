"""The CRM's users (users.csv): a sales team that grows over time, and users who are not reps.

About one rep per 50 deals of history (at least 25, at most 2,000): three in five on the team from
the first day, the others joining over the history. A fifth more users are not reps (managers,
admins, support): they own no deal and do no activity. Faker names, with the titles, suffixes and
shared emails of real data: a few of each, whatever the team's size.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from faker import Faker

from pipedrive_funnel.export_format import USER_MODIFIED_FORMAT

TITLES = ("Mr.", "Mrs.", "Ms.", "Dr.")
SUFFIXES = ("Jr.", "Sr.", "MD", "PhD", "III")
TITLE_SHARE = 0.12  # names with a title, as "Dr. Ann Lee" (at least 2 users)
SUFFIX_SHARE = 0.06  # names with a suffix, as "Ann Lee MD" (at least 2 users)
DUPLICATE_EMAIL_SHARE = 0.01  # users re-created with the email of an earlier user (at least 1)
DEALS_PER_REP = 50
MIN_REPS = 25
MAX_REPS = 2_000
FOUNDING_SHARE = 0.6  # reps on the team from the first day of the history
JOINING_UNTIL = 0.8  # the others join before this share of the history has passed
OTHER_USERS_SHARE = 0.2  # users who are not reps, per rep


def rep_count(deals: int) -> int:
    """About one rep per 50 deals of history, never fewer than 25 nor more than 2,000."""
    return max(MIN_REPS, min(MAX_REPS, deals // DEALS_PER_REP))


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    name: str
    email: str
    modified: datetime
    joined: datetime | None  # when a rep joined the sales team; None for a user who is no rep

    def row(self) -> tuple[str, str, str, str]:
        return (
            str(self.user_id),
            self.name,
            self.email,
            self.modified.strftime(USER_MODIFIED_FORMAT),
        )


def _at_least(share: float, count: int, minimum: int) -> int:
    return max(minimum, round(share * count))


def generate_users(
    rng: random.Random, seed: int, reps: int, start: datetime, end: datetime
) -> Iterator[User]:
    """Yield the users, ids 1..n: `reps` reps and a fifth more users who are not reps, mixed;
    Faker is seeded per instance from `seed`."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    count = reps + max(1, round(OTHER_USERS_SHARE * reps))
    span_seconds = int((end - start).total_seconds())
    rep_ids = set(rng.sample(range(1, count + 1), reps))
    founders = set(rng.sample(sorted(rep_ids), round(FOUNDING_SHARE * reps)))
    titled = set(rng.sample(range(1, count + 1), _at_least(TITLE_SHARE, count, 2)))
    suffixed = set(rng.sample(range(1, count + 1), _at_least(SUFFIX_SHARE, count, 2)))
    copies = set(rng.sample(range(2, count + 1), _at_least(DUPLICATE_EMAIL_SHARE, count, 1)))
    emails: list[str] = []
    for user_id in range(1, count + 1):
        first, last = fake.first_name(), fake.last_name()
        name = f"{first} {last}"
        if user_id in titled:
            name = f"{rng.choice(TITLES)} {name}"
        if user_id in suffixed:
            name = f"{name} {rng.choice(SUFFIXES)}"
        if user_id in copies:
            email = rng.choice(emails)
        else:
            email = f"{first}.{last}{rng.randrange(100)}@{fake.free_email_domain()}".lower()
        emails.append(email)
        joined = None
        if user_id in founders:
            joined = start
        elif user_id in rep_ids:
            joined = start + timedelta(seconds=rng.randrange(int(span_seconds * JOINING_UNTIL)))
        since = joined or start
        modified = since + timedelta(
            seconds=rng.randrange(int((end - since).total_seconds())),
            microseconds=rng.randrange(1, 1_000_000),
        )
        yield User(user_id, name, email, modified, joined)
