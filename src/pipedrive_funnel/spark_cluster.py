"""A standalone Apache Spark cluster of the project's own: one master and two workers on 127.0.0.1.

They are the Java processes of the pip package pyspark (`spark-class`), started in the background
so that they outlive the command that started them, as the local PostgreSQL does. The cluster's
folder (default ./.spark) holds its state (`cluster.json`: the ports and process ids), the logs, the
workers' scratch space, and the warehouse and metastore that dbt's Spark session writes (so that
the tables of one build are there for the next). The ports are free ones, chosen at the first start
and reused later while they stay free.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pipedrive_funnel.local_server import free_port, port_is_free

HOST = "127.0.0.1"
WORKERS = 2
WORKER_CORES = 1
WORKER_MEMORY = "2g"
START_TIMEOUT_SECONDS = 90
STATE_FILE = "cluster.json"
JAVA_PACKAGE = "openjdk-17-jre-headless"


class SparkClusterError(RuntimeError):
    """A failure with a one-line message that says what to do next."""


def spark_home() -> Path:
    """The Spark of the pip package pyspark (its `bin/spark-class` starts the cluster)."""
    try:
        import pyspark
    except ImportError as error:
        raise SparkClusterError(
            "pyspark is not installed here; run `make spark` (it installs .venv-spark)"
        ) from error
    return Path(pyspark.__file__).parent


def java_version(java: str = "java") -> int | None:
    """The major version of the `java` on the PATH, or None when there is none."""
    if shutil.which(java) is None:
        return None
    shown = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    for word in shown.stderr.split():
        version = word.strip('"')
        if version[:1].isdigit():
            major = version.split(".")[0]
            return int(major) if major.isdigit() else None
    return None


def ensure_java() -> None:
    """Java 17 or newer: installed with apt-get when missing and running as root on Debian,
    otherwise an error that names the package."""
    found = java_version()
    if found is not None and found >= 17:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        for step in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", JAVA_PACKAGE],
        ):
            subprocess.run(step, check=True, stdout=subprocess.DEVNULL)
        if (java_version() or 0) >= 17:
            return
    raise SparkClusterError(
        f"Spark needs Java 17 or newer (found {found or 'none'}); install it, on Debian or Ubuntu:"
        f" sudo apt-get install {JAVA_PACKAGE}"
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[-1].startswith("Z"))


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex((HOST, port)) == 0


@dataclass
class SparkCluster:
    folder: Path

    @property
    def state_file(self) -> Path:
        return self.folder / STATE_FILE

    def state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    @property
    def master_url(self) -> str:
        return f"spark://{HOST}:{self.state()['master_port']}"

    def is_running(self) -> bool:
        state = self.state()
        pids = state.get("pids", [])
        return bool(pids) and all(_alive(pid) for pid in pids) and _accepts(state["master_port"])

    def alive_workers(self) -> int:
        """How many workers the master counts as alive (its web UI's JSON)."""
        address = f"http://{HOST}:{self.state()['master_ui_port']}/json/"
        try:
            with urllib.request.urlopen(address, timeout=2) as answer:
                return int(json.load(answer).get("aliveworkers", 0))
        except (OSError, ValueError):
            return 0

    def _ports(self) -> dict[str, int]:
        """The ports of the last start while they are all free, else new free ones."""
        names = ["master_port", "master_ui_port", *(f"worker_{n}_ui_port" for n in range(WORKERS))]
        old = self.state()
        if all(isinstance(old.get(name), int) and port_is_free(old[name]) for name in names):
            return {name: old[name] for name in names}
        ports: dict[str, int] = {}
        while len(set(ports.values())) < len(names):
            ports = {name: free_port() for name in names}
        return ports

    def _launch(self, name: str, main_class: str, *args: str) -> int:
        log = (self.folder / "logs" / f"{name}.log").open("ab")
        environment = {**os.environ, "SPARK_HOME": str(spark_home()), "SPARK_LOCAL_IP": HOST}
        process = subprocess.Popen(
            [str(spark_home() / "bin" / "spark-class"), main_class, *args],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=environment,
            start_new_session=True, cwd=self.folder,
        )  # fmt: skip
        return process.pid

    def start(self) -> bool:
        """Start the master and the workers unless they run; False when they already ran."""
        if self.is_running():
            return False
        ensure_java()
        self.stop()
        for folder in ("logs", "work"):
            (self.folder / folder).mkdir(parents=True, exist_ok=True)
        ports = self._ports()
        self.state_file.write_text(json.dumps({**ports, "pids": []}))
        master = self._launch(
            "master", "org.apache.spark.deploy.master.Master", "--host", HOST,
            "--port", str(ports["master_port"]), "--webui-port", str(ports["master_ui_port"]),
        )  # fmt: skip
        pids = [master]
        self.state_file.write_text(json.dumps({**ports, "pids": pids}))
        self._wait(lambda: _accepts(ports["master_port"]), "the master", master)
        for number in range(WORKERS):
            pids.append(self._launch(
                f"worker-{number}", "org.apache.spark.deploy.worker.Worker", "--host", HOST,
                "--cores", str(WORKER_CORES), "--memory", WORKER_MEMORY,
                "--webui-port", str(ports[f"worker_{number}_ui_port"]),
                "--work-dir", str(self.folder / "work"), self.master_url,
            ))  # fmt: skip
            self.state_file.write_text(json.dumps({**ports, "pids": pids}))
        self._wait(lambda: self.alive_workers() == WORKERS, f"{WORKERS} workers", *pids)
        return True

    def _wait(self, ready, what: str, *pids: int) -> None:  # noqa: ANN001
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not ready():
            if time.monotonic() > deadline or not all(_alive(pid) for pid in pids):
                self.stop()
                raise SparkClusterError(
                    f"{what} of the Spark cluster did not start; see {self.folder / 'logs'}"
                )
            time.sleep(0.5)

    def stop(self) -> bool:
        """Stop every process of the cluster; False when none ran."""
        pids = [pid for pid in self.state().get("pids", []) if _alive(pid)]
        for pid in pids:
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in pids:
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)
        if self.state_file.exists():
            self.state_file.write_text(json.dumps({**self.state(), "pids": []}))
        return bool(pids)

    def dbt_environment(self) -> dict[str, str]:
        """The settings of the profile's spark target for this cluster."""
        return {
            "DBT_SPARK_MASTER": self.master_url,
            "DBT_SPARK_WAREHOUSE": str(self.folder.resolve() / "warehouse"),
            "DBT_SPARK_METASTORE": str(self.folder.resolve() / "metastore_db"),
        }
