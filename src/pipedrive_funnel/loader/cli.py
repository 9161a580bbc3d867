"""Command line: `pipedrive-load --export DIR` loads a large export into the raw tables.

Then `dbt build --vars '{raw_source: loader}'` builds the models from them (`make build EXPORT=DIR`
runs both). The connection comes from the same DBT_PG_* variables as the dbt profile; the raw tables
go to `<DBT_PG_SCHEMA>_raw`, where `dbt seed` puts the sample.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import psycopg2
from tqdm import tqdm

from pipedrive_funnel.cli_parser import Parser
from pipedrive_funnel.database import DatabaseUnreachableError, Server
from pipedrive_funnel.loader.delta import is_merged
from pipedrive_funnel.loader.errors import FileLoad, LoadError
from pipedrive_funnel.loader.export import load_export
from pipedrive_funnel.loader.header import check_headers
from pipedrive_funnel.loader.structure import check_structure
from pipedrive_funnel.raw_tables import (
    SEEDS_FILE,
    RawTable,
    raw_schema,
    raw_tables,
    value_checks,
)


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="pipedrive-load",
        description="Load the six files of a Pipedrive export into the raw tables with COPY "
        "(streamed, all or nothing), checking the header and every typed value.",
    )
    parser.add_argument("--export", type=Path, required=True, help="the export's directory")
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path.cwd(),
        help="the dbt project, whose seeds YAML defines the columns (the current directory)",
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="files loaded side by side (%(default)s)"
    )
    parser.add_argument(
        "--allow-empty",
        action="append",
        default=[],
        metavar="FILE",
        help="a file (as activity.csv) that may have a header and no rows; repeat for several "
        "(without it such a file fails the load)",
    )
    parser.add_argument(
        "--delta",
        action="store_true",
        help="the export is a delta (pipedrive-generate --delta-of): add its new deal changes, "
        "new and changed activities (by activity_id) to the raw tables of a full load; its other "
        "files replace theirs",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check the files, without a database: every header right, UTF-8 text, no NUL "
        "byte, every row as many fields as the header (`make build` runs it on seeds/pipedrive "
        "before dbt, whose seed reader would not say)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars or summary")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.export.is_dir():
        parser.error(f"--export {args.export}: not a directory")
    if args.jobs < 1:
        parser.error(f"--jobs {args.jobs}: load at least one file at a time")
    if not (args.project_dir / SEEDS_FILE).is_file():
        parser.error(f"--project-dir {args.project_dir}: no {SEEDS_FILE} (not the dbt project)")
    tables = raw_tables(args.project_dir)
    unknown = sorted(set(args.allow_empty) - {table.file_name for table in tables})
    if unknown:
        parser.error(f"--allow-empty {unknown[0]}: not a file of an export")
    if args.check:
        return _check(args.export, tables, args.quiet)
    checks = value_checks(args.project_dir)
    schema = raw_schema()
    server = Server.from_environment()
    bars: dict[str, tqdm] = {}

    def on_file(table: RawTable, path: Path) -> Callable[[int, int], None]:
        bar = tqdm(
            total=path.stat().st_size, unit="B", unit_scale=True, desc=table.file_name,
            file=sys.stderr, disable=args.quiet or None, leave=False, position=len(bars),
        )  # fmt: skip
        bars[table.file_name] = bar
        rows = [0]

        def report(read: int, lines: int) -> None:
            rows[0] += lines
            bar.update(read)
            bar.set_postfix(rows=f"{rows[0]:,}", refresh=False)

        return report

    def on_loaded(load: FileLoad) -> None:
        bars[load.file_name].close()
        if not args.quiet:
            tqdm.write(
                f"pipedrive-load: {load.file_name}: {load.rows:,} rows, {load.bytes / 2**20:,.1f} "
                f"MB in {load.seconds:.1f} s ({load.rows / max(load.seconds, 1e-9):,.0f} rows/s)",
                file=sys.stderr,
            )

    try:
        loads = load_export(
            server.connect, args.export, tables, schema, checks, on_file, on_loaded, args.jobs,
            frozenset(args.allow_empty), args.delta,
        )  # fmt: skip
    except (LoadError, DatabaseUnreachableError) as error:
        print(f"pipedrive-load: {error}; nothing was loaded", file=sys.stderr)
        return 1
    except psycopg2.Error as error:
        first_line = str(error).strip().splitlines()[0]
        print(f"pipedrive-load: the load failed, nothing was loaded: {first_line}", file=sys.stderr)
        return 1
    finally:
        for bar in bars.values():
            bar.close()
    if not args.quiet:
        if args.delta:  # the lines above count the delta's rows; these, what they added
            for table, load in zip(tables, loads, strict=True):
                if is_merged(table):
                    print(
                        f"pipedrive-load: {table.name}: {load.rows:,} rows added or changed",
                        file=sys.stderr,
                    )
        total = sum(load.rows for load in loads)
        print(f"pipedrive-load: loaded {total:,} rows into {schema}", file=sys.stderr)
    return 0


def _check(export_dir: Path, tables: Sequence[RawTable], quiet: bool) -> int:
    try:
        check_headers(export_dir, tables)
        check_structure(export_dir, tables)
    except LoadError as error:
        print(f"pipedrive-load: {error}", file=sys.stderr)
        return 1
    if not quiet:
        print(f"pipedrive-load: {export_dir}: the files are well-formed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
