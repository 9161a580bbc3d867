"""Set up and serve the project's Superset: metadata, admin user, the imported dashboard.

Superset runs from its own virtual environment (SUPERSET_VENV, default `.venv-superset`); this
module only calls its commands. Everything Superset keeps lives in SUPERSET_HOME (default
`.superset/`, ignored by git): the SQLite metadata and a secret key made on first setup. Setting
up twice changes nothing but what the files in `bi/superset/dashboard/` changed.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 8088
DEFAULT_ADMIN_USER = "admin"
BI_DIR = Path("bi") / "superset"


class SupersetError(RuntimeError):
    """A Superset command failed or Superset is missing; the message says which and what to do."""


@dataclass(frozen=True)
class Superset:
    venv: Path
    home: Path
    bi_dir: Path
    admin_user: str
    admin_password: str

    @classmethod
    def from_environment(
        cls, project_dir: Path, admin_password: str, environ: Mapping[str, str] = os.environ
    ) -> Superset:
        """Superset for `project_dir`, its admin's password chosen by the caller
        (`credentials.admin_password`)."""
        return cls(
            venv=Path(environ.get("SUPERSET_VENV") or project_dir / ".venv-superset"),
            home=Path(environ.get("SUPERSET_HOME") or project_dir / ".superset"),
            bi_dir=project_dir / BI_DIR,
            admin_user=environ.get("SUPERSET_ADMIN_USER") or DEFAULT_ADMIN_USER,
            admin_password=admin_password,
        )

    def environment(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "SUPERSET_HOME": str(self.home.resolve()),
            "SUPERSET_CONFIG_PATH": str((self.bi_dir / "superset_config.py").resolve()),
            "SUPERSET_ADMIN_USER": self.admin_user,
            "PYTHONWARNINGS": "ignore",
            **extra,
        }

    def executable(self, name: str) -> str:
        path = self.venv / "bin" / name
        if not path.is_file():
            raise SupersetError(
                f"Superset is not installed in {self.venv} ({path} is missing): run 'make bi', "
                "which installs it from bi/superset/requirements.txt"
            )
        return str(path)

    def run(self, *args: str, stdin: str | None = None, **extra_env: str) -> None:
        """Run a program of Superset's virtual environment (with `stdin` as its input). Its
        standard output (the steps) is passed on as it comes; its log (standard error) is shown
        only on failure."""
        command = [self.executable(args[0]), *args[1:]]
        result = subprocess.run(
            command,
            env=self.environment(**extra_env),
            input=stdin,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            output = result.stderr.strip().splitlines()
            tail = "\n".join(output[-15:])
            raise SupersetError(f"'{' '.join(args)}' failed (exit {result.returncode}):\n{tail}")

    def set_up(self, database_uri: str, marts_schema: str) -> None:
        """Metadata, admin user, roles and permissions, then the dashboard (overwriting), its
        datasets reading the marts in `marts_schema`."""
        self.home.mkdir(parents=True, exist_ok=True)
        secret_key = self.home / "secret_key"
        if not secret_key.exists():
            secret_key.write_text(secrets.token_urlsafe(42) + "\n", encoding="utf-8")
            secret_key.chmod(0o600)
        # The password goes to set_up.py on stdin, never on a command line, which every user of
        # the machine can read in the process list.
        self.run(
            "python",
            str(self.bi_dir / "set_up.py"),
            str(self.bi_dir / "dashboard"),
            stdin=f"{self.admin_password}\n",
            PIPEDRIVE_BI_DATABASE_URI=database_uri,
            PIPEDRIVE_BI_MARTS_SCHEMA=marts_schema,
        )

    def serve_command(self, host: str, port: int) -> list[str]:
        """gunicorn serving Superset in the foreground (2 workers; queries time out after 120 s)."""
        return [
            self.executable("gunicorn"),
            "--bind", f"{host}:{port}",
            "--workers", "2",
            "--threads", "4",
            "--timeout", "120",
            "--log-level", "warning",
            "--no-control-socket",
            "superset.app:create_app()",
        ]  # fmt: skip
