"""The Spark session of the project's own Python code (pipedrive-spark load, the tests' reader).

It reads and writes the tables that dbt's `spark` target sees: the settings are those of the
profile's `server_side_parameters` (profiles.yml), read from the same environment variables with
the same defaults; `pipedrive-spark run` sets them for the project's cluster.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pyspark.sql import SparkSession


def session_settings(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The Spark settings of the dbt profile's spark target (keep the two alike)."""
    metastore = environ.get("DBT_SPARK_METASTORE") or "metastore_db"
    java_options = environ.get("DBT_SPARK_JAVA_OPTIONS") or ""
    return {
        "spark.master": environ.get("DBT_SPARK_MASTER") or "local[2]",
        "spark.sql.warehouse.dir": environ.get("DBT_SPARK_WAREHOUSE") or "spark-warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={metastore};create=true"
        ),
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.sql.codegen.wholeStage": environ.get("DBT_SPARK_CODEGEN") or "true",
        "spark.sql.shuffle.partitions": environ.get("DBT_SPARK_SHUFFLE_PARTITIONS") or "200",
        "spark.driver.memory": environ.get("DBT_SPARK_DRIVER_MEMORY") or "2g",
        "spark.driver.extraJavaOptions": java_options,
        "spark.executor.extraJavaOptions": java_options,
    }


def spark_session(app_name: str, environ: Mapping[str, str] = os.environ) -> SparkSession:
    """A session on the profile's master, warehouse and metastore (Hive tables, as dbt's)."""
    builder = SparkSession.builder.appName(app_name).config("spark.ui.showConsoleProgress", "false")
    for key, value in session_settings(environ).items():
        builder = builder.config(key, value)
    session = builder.enableHiveSupport().getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
