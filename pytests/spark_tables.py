"""Print the result of SQL queries on the Spark warehouse of a build, as JSON (each value as text).

Run by test_spark_equality.py with the Spark environment's Python (.venv-spark) through
`pipedrive-spark run`, which sets the warehouse and metastore of the cluster's builds. A Spark
session of its own (local, one core) reads the tables that dbt's session wrote.
"""

from __future__ import annotations

import json
import os
import sys

from pyspark.sql import SparkSession


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def main() -> None:
    queries: dict[str, str] = json.loads(sys.argv[1])
    metastore = os.environ["DBT_SPARK_METASTORE"]
    session = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", os.environ["DBT_SPARK_WAREHOUSE"])
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={metastore};create=true",
        )
        .enableHiveSupport()
        .getOrCreate()
    )
    tables = {}
    for name, query in queries.items():
        frame = session.sql(query)
        rows = [[_text(value) for value in row] for row in frame.collect()]
        tables[name] = {"columns": frame.columns, "rows": rows}
    session.stop()
    json.dump(tables, sys.stdout)


if __name__ == "__main__":
    main()
