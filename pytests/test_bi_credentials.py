"""Where `pipedrive-bi` refuses a known default password, and that it says which variable to set.

The policy itself (`credentials.py`) needs no server; the last test runs `pipedrive-bi serve` on
a public address without an admin password, which must stop before anything is set up.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipedrive_funnel.bi.credentials import (
    DEFAULT_ADMIN_PASSWORD,
    DEFAULT_READER_PASSWORD,
    CredentialsError,
    admin_password,
    reader_password,
)

OWN_SERVER: dict[str, str] = {}  # no DBT_PG_HOST or DBT_PG_PORT: the project's own server
OTHER_SERVERS = [{"DBT_PG_HOST": "db.example.com"}, {"DBT_PG_PORT": "5432"}]


def test_the_reader_default_is_used_on_the_projects_own_server_only() -> None:
    assert reader_password(OWN_SERVER) == DEFAULT_READER_PASSWORD
    assert reader_password({"SUPERSET_DB_PASSWORD": "s3cret"}) == "s3cret"


@pytest.mark.parametrize("server", OTHER_SERVERS)
def test_another_server_needs_superset_db_password(server: dict[str, str]) -> None:
    with pytest.raises(CredentialsError, match=r"^set SUPERSET_DB_PASSWORD: "):
        reader_password(server)
    assert reader_password({**server, "SUPERSET_DB_PASSWORD": "s3cret"}) == "s3cret"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "localhost", "::1"])
def test_the_admin_default_is_used_on_a_loopback_address(host: str) -> None:
    assert admin_password(host, {}) == DEFAULT_ADMIN_PASSWORD


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "bi.example.com"])
def test_a_reachable_address_needs_superset_admin_password(host: str) -> None:
    expected = rf"^set SUPERSET_ADMIN_PASSWORD: .* on {re.escape(host)},"
    with pytest.raises(CredentialsError, match=expected):
        admin_password(host, {})
    assert admin_password(host, {"SUPERSET_ADMIN_PASSWORD": "s3cret"}) == "s3cret"


def test_serving_on_all_addresses_without_a_password_stops_at_once(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "SUPERSET_ADMIN_PASSWORD"}
    env["SUPERSET_HOME"] = str(tmp_path / "home")
    command = [str(Path(sys.executable).with_name("pipedrive-bi")), "serve", "--host", "0.0.0.0"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("pipedrive-bi: set SUPERSET_ADMIN_PASSWORD: ")
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "home").exists()  # nothing set up
