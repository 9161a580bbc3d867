"""Sales reps (users.csv): Faker names with the titles, suffixes and shared emails of real data."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from faker import Faker

from pipedrive_funnel.export_format import USER_MODIFIED_FORMAT

TITLES = ("Mr.", "Mrs.", "Ms.", "Dr.")
SUFFIXES = ("Jr.", "Sr.", "MD", "PhD", "III")
TITLE_SHARE = 0.12  # names with a title, as "Dr. Ann Lee"
SUFFIX_SHARE = 0.06  # names with a suffix, as "Ann Lee MD"
DUPLICATE_EMAIL_SHARE = 0.01  # users re-created with the email of an earlier user
MIN_USERS = 50
MAX_USERS = 2_000
DEALS_PER_USER = 5


def user_count(deals: int) -> int:
    """A few hundred users at the default size, never fewer than 50 nor more than 2,000."""
    return max(MIN_USERS, min(MAX_USERS, deals // DEALS_PER_USER))


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    name: str
    email: str
    modified: datetime

    def row(self) -> tuple[str, str, str, str]:
        return (
            str(self.user_id),
            self.name,
            self.email,
            self.modified.strftime(USER_MODIFIED_FORMAT),
        )


def generate_users(
    rng: random.Random, seed: int, count: int, start: datetime, end: datetime
) -> Iterator[User]:
    """Yield `count` users with ids 1..count; Faker is seeded per instance from `seed`."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    span_seconds = int((end - start).total_seconds())
    emails: list[str] = []
    for user_id in range(1, count + 1):
        first, last = fake.first_name(), fake.last_name()
        name = f"{first} {last}"
        if rng.random() < TITLE_SHARE:
            name = f"{rng.choice(TITLES)} {name}"
        if rng.random() < SUFFIX_SHARE:
            name = f"{name} {rng.choice(SUFFIXES)}"
        if emails and rng.random() < DUPLICATE_EMAIL_SHARE:
            email = rng.choice(emails)
        else:
            email = f"{first}.{last}{rng.randrange(100)}@{fake.free_email_domain()}".lower()
        emails.append(email)
        modified = start + timedelta(
            seconds=rng.randrange(span_seconds), microseconds=rng.randrange(1, 1_000_000)
        )
        yield User(user_id, name, email, modified)
