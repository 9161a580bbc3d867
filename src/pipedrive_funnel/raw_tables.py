"""The raw tables of an export, read from the dbt project: one definition for both load paths.

The six files' columns and SQL types are the `column_types` of the seeds YAML
`seeds/pipedrive/_pipedrive__seeds.yml` (what `dbt seed` loads the sample with), and the checks of
typed values are the var `export_value_checks` of `dbt_project.yml` (what the seed loader macro
checks). `pipedrive-load` reads both from here, so the two paths cannot drift apart.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

SEEDS_FILE = Path("seeds") / "pipedrive" / "_pipedrive__seeds.yml"
PROJECT_FILE = Path("dbt_project.yml")
# The column the loaders add to every raw table: the row's line in its CSV file (header = line 1).
LINE_NUMBER_COLUMN = "_line_number"
RAW_SCHEMA_SUFFIX = "_raw"
# What the seed path (agate) reads as NULL: an empty cell or the text `null`, any case, trimmed.
NULL_PATTERN = r"^\s*([Nn][Uu][Ll][Ll])?\s*$"


@dataclass(frozen=True)
class ValueCheck:
    pattern: str  # a PostgreSQL regular expression, matched case-insensitively (~*)
    expected: str  # what the error says the value is not: "an integer"


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column as in the CSV header, SQL type), in order
    personal_data: bool = False  # meta personal_data: its values are never echoed
    unique_columns: tuple[str, ...] = ()  # meta unique_columns: each value on one line only
    json_list_columns: tuple[str, ...] = ()  # meta json_list_columns: empty or a JSON list
    # What a delta brings (pipedrive-load --delta): new rows, told apart from those held by this
    # column and the others (meta delta_new_rows_by), or changed rows keyed by this column (meta
    # delta_changed_rows_by); neither: the delta's file replaces the table.
    delta_new_rows_by: str | None = None
    delta_changed_rows_by: str | None = None

    def shown(self, value: str) -> str:
        """A bad value as an error shows it: JSON-quoted, or masked in a file of personal data
        (as the seed loader macro does)."""
        if self.personal_data:
            masked = f"masked: {self.file_name} holds personal data"
            return f"a value of {len(value)} characters ({masked})"
        return json.dumps(value)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


def raw_tables(project_dir: Path) -> tuple[RawTable, ...]:
    """The export's tables, in the order of the seeds YAML."""
    document = yaml.safe_load((project_dir / SEEDS_FILE).read_text(encoding="utf-8"))
    return tuple(
        RawTable(
            name=seed["name"],
            columns=tuple(
                (column, str(sql_type).lower())
                for column, sql_type in seed["config"]["column_types"].items()
            ),
            personal_data=bool(_meta(seed).get("personal_data")),
            unique_columns=tuple(_meta(seed).get("unique_columns") or ()),
            json_list_columns=tuple(_meta(seed).get("json_list_columns") or ()),
            delta_new_rows_by=_meta(seed).get("delta_new_rows_by"),
            delta_changed_rows_by=_meta(seed).get("delta_changed_rows_by"),
        )
        for seed in document["seeds"]
    )


def _meta(seed: dict) -> dict:
    return seed["config"].get("meta") or {}


def value_checks(project_dir: Path) -> dict[str, ValueCheck]:
    """SQL type -> the check of its values, as the seed loader applies them."""
    document = yaml.safe_load((project_dir / PROJECT_FILE).read_text(encoding="utf-8"))
    checks = document["vars"]["export_value_checks"]
    return {
        sql_type: ValueCheck(pattern=check["pattern"], expected=check["expected"])
        for sql_type, check in checks.items()
    }


def raw_schema(environ: Mapping[str, str] = os.environ) -> str:
    """The schema of the raw tables: `<DBT_PG_SCHEMA>_raw`, as dbt names the seeds' schema."""
    return (environ.get("DBT_PG_SCHEMA") or "public") + RAW_SCHEMA_SUFFIX
