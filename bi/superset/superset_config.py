"""Superset settings for the project's dashboard; Superset reads this file via SUPERSET_CONFIG_PATH.

Everything Superset keeps (its metadata in SQLite, the secret key) lives in SUPERSET_HOME, which
`pipedrive-bi` sets to `.superset/` in the repository (ignored by git) unless told otherwise.
"""

import logging
import os
from pathlib import Path

_HOME = Path(os.environ["SUPERSET_HOME"])

# Written once per SUPERSET_HOME by `pipedrive-bi`; SUPERSET_SECRET_KEY overrides it.
SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY") or (_HOME / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_HOME / 'superset.db'}"

# A local tool, served over plain HTTP on the address pipedrive-bi binds gunicorn to. The
# content security policy lets the pages load nothing from outside this server: no fonts or map
# tiles from the internet, and not the tracking pixel (Scarf) that Superset's pages carry.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
LOG_LEVEL = "WARNING"


class _WithoutSpinnerWarning(logging.Filter):
    """Superset's pip wheel lacks the frontend source file that get_default_spinner_svg reads, so
    each page load logged "Could not load default spinner SVG"; the pages have their own spinner."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Could not load default spinner SVG" not in record.getMessage()


logging.getLogger("superset.views.base").addFilter(_WithoutSpinnerWarning())
