"""The Spark work of test_spark_equality.py, in one Spark application on the module's cluster.

Run with the Spark environment's Python (.venv-spark) through `pipedrive-spark run`, which sets
the master, warehouse and metastore of the cluster. Its Spark session (`spark_session.py`, the
settings of the dbt profile's spark target) does, in order: the loads of `pipedrive-spark load`
(its code: `spark_cli.load_into`) named in "before"; the dbt builds, in this process (dbt-spark's
session connection takes the session that is already running); the loads named in "after"; the
queries. One application costs one driver and one executor on each worker, where a process for
each step would start them again, and the Java code they compile, each time.

Argument: {"project": DIR (whose seeds YAML defines the raw tables), "output": FILE,
  "before": [[name, export dir, schema], ...], "builds": [[name, project dir, schema, [args]]],
  "after": [[name, export dir, schema], ...], "queries": {name: SQL}}.
FILE gets, as JSON: {"loads": {name: {"status", "said"}}, "builds": {name: {"success",
"statuses": {unique_id: status}}}, "tables": {name: {"columns", "rows"}}}: load_into's exit
status and what it said, whether dbt succeeded and how each node ended, each value as text.
What dbt prints goes to stdout.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path

from dbt.cli.main import dbtRunner

from pipedrive_funnel.raw_tables import raw_tables, value_checks
from pipedrive_funnel.spark_cli import load_into
from pipedrive_funnel.spark_session import spark_session


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _build(project: Path, schema: str, args: list[str]) -> dict[str, object]:
    """`dbt build --target spark ARGS` of `project` into the schemas `schema`_*."""
    os.environ.update({"DBT_PROFILES_DIR": str(project), "DBT_SPARK_SCHEMA": schema})
    os.chdir(project)
    location = ["--project-dir", str(project), "--profiles-dir", str(project)]
    result = dbtRunner().invoke(["build", "--target", "spark", *args, *location])
    run_results = json.loads((project / "target" / "run_results.json").read_text())
    statuses = {node["unique_id"]: node["status"] for node in run_results["results"]}
    return {"success": result.success, "statuses": statuses}


def main() -> None:
    task = json.loads(sys.argv[1])
    project = Path(task["project"])
    tables, checks = raw_tables(project), value_checks(project)
    session = spark_session("pipedrive-tests")

    def load(loads: list[list[str]]) -> dict[str, dict[str, object]]:
        said = {}
        for name, export, schema in loads:
            with contextlib.redirect_stderr(io.StringIO()) as printed:
                status = load_into(session, Path(export), tables, checks, schema)
            said[name] = {"status": status, "said": printed.getvalue()}
        return said

    loads = load(task["before"])
    builds = {name: _build(Path(p), schema, args) for name, p, schema, args in task["builds"]}
    loads.update(load(task["after"]))
    tables = {}
    for name, query in task["queries"].items():
        frame = session.sql(query)
        rows = [[_text(value) for value in row] for row in frame.collect()]
        tables[name] = {"columns": frame.columns, "rows": rows}
    session.stop()
    output = {"loads": loads, "builds": builds, "tables": tables}
    Path(task["output"]).write_text(json.dumps(output))


if __name__ == "__main__":
    main()
