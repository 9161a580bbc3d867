"""Loads with pipedrive-spark load's code, then SQL queries, on the Spark warehouse of the builds;
prints what each load said and each query's rows, as JSON (each value as text).

Run by test_spark_equality.py with the Spark environment's Python (.venv-spark) through
`pipedrive-spark run`, which sets the warehouse and metastore of the cluster's builds. A Spark
session of its own (local, one core, the settings of the dbt profile: `spark_session.py`) loads
and reads, after the builds: one Java process for all of it.

Argument: {"project": DIR, "loads": [[name, export dir, schema], ...], "queries": {name: SQL}}.
Output: {"loads": {name: null (loaded) or the error}, "tables": {name: {columns, rows}}}.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pipedrive_funnel.loader.errors import LoadError
from pipedrive_funnel.raw_tables import raw_tables, value_checks
from pipedrive_funnel.spark_loader import load_export_on_spark
from pipedrive_funnel.spark_session import spark_session


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def main() -> None:
    task = json.loads(sys.argv[1])
    project = Path(task["project"])
    tables, checks = raw_tables(project), value_checks(project)
    session = spark_session("spark_tables", {**os.environ, "DBT_SPARK_MASTER": "local[1]"})
    loads = {}
    for name, export_dir, schema in task["loads"]:
        try:
            load_export_on_spark(session, Path(export_dir), tables, schema, checks)
            loads[name] = None
        except LoadError as error:
            loads[name] = str(error)
    results = {}
    for name, query in task["queries"].items():
        frame = session.sql(query)
        rows = [[_text(value) for value in row] for row in frame.collect()]
        results[name] = {"columns": frame.columns, "rows": rows}
    session.stop()
    json.dump({"loads": loads, "tables": results}, sys.stdout)


if __name__ == "__main__":
    main()
