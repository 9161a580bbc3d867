"""Throwaway databases: a fresh, uniquely named database, dropped afterwards (also on failure).

`pipedrive-db isolated -- COMMAND` runs a command in one; the tests and the benchmark use
`scratch_database` directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from pipedrive_funnel.database import Server

PREFIX = "pipedrive_funnel_scratch_"


def scratch_name() -> str:
    return PREFIX + uuid.uuid4().hex[:12]


@contextmanager
def scratch_database(server: Server | None = None, template: str | None = None) -> Iterator[str]:
    """A fresh, uniquely named database on `server` (default: the configured one), empty or a
    copy of `template`, dropped after."""
    server = server or Server.from_environment()
    name = scratch_name()
    server.create_database(name, template)
    try:
        yield name
    finally:
        server.drop_database(name)
