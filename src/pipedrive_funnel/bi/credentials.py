"""The passwords `pipedrive-bi` sets, and where a documented local default is refused.

- `bi_superset`, the login role Superset reads the marts as: SUPERSET_DB_PASSWORD. Its local
  default is accepted only on the project's own server (no DBT_PG_HOST or DBT_PG_PORT set: the
  server on 127.0.0.1 that trusts local connections and checks no password). On any other server
  a known password on a login role would let anyone who read this repository log in.
- Superset's admin: SUPERSET_ADMIN_PASSWORD. The default `admin` is accepted only when Superset
  listens on a loopback address, where no other machine reaches the login page.

Refusals are one line naming the variable to set.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping

from pipedrive_funnel.database import is_configured

DEFAULT_READER_PASSWORD = "bi-superset-local"  # the project's own server only
DEFAULT_ADMIN_PASSWORD = "admin"  # a loopback address only


class CredentialsError(RuntimeError):
    """A password must be set; the message names the variable."""


def reader_password(environ: Mapping[str, str] = os.environ) -> str:
    """The password of the login role `bi_superset`."""
    password = environ.get("SUPERSET_DB_PASSWORD")
    if password:
        return password
    if is_configured(environ):
        raise CredentialsError(
            "set SUPERSET_DB_PASSWORD: the login role bi_superset gets a password on the server "
            "of DBT_PG_HOST/DBT_PG_PORT, and the repository's local default is used only on the "
            "project's own server"
        )
    return DEFAULT_READER_PASSWORD


def admin_password(host: str, environ: Mapping[str, str] = os.environ) -> str:
    """The password of Superset's admin user, for Superset listening on `host`."""
    password = environ.get("SUPERSET_ADMIN_PASSWORD")
    if password:
        return password
    if not is_loopback(host):
        raise CredentialsError(
            f"set SUPERSET_ADMIN_PASSWORD: Superset would listen on {host}, where other machines "
            "reach it, and the default admin password is used only on a loopback address"
        )
    return DEFAULT_ADMIN_PASSWORD


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False
