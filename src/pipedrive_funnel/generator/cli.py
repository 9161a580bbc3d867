"""Command line: `pipedrive-generate --help`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from pipedrive_funnel.cli_parser import Parser
from pipedrive_funnel.generator import options as opts
from pipedrive_funnel.generator.delta import DeltaError, write_delta
from pipedrive_funnel.generator.export import write_export


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="pipedrive-generate",
        description="Write a deterministic, realistic Pipedrive CRM export (six CSV files). "
        "The same options give byte-identical files on any machine.",
    )
    parser.add_argument(
        "--seed", type=int, default=opts.DEFAULT_SEED, help="random seed (%(default)s)"
    )
    parser.add_argument(
        "--deals", type=int, default=opts.DEFAULT_DEALS, help="number of deals (%(default)s)"
    )
    parser.add_argument(
        "--start-date",
        default=opts.DEFAULT_START_DATE.isoformat(),
        help="first day of the history, YYYY-MM-DD (%(default)s)",
    )
    parser.add_argument(
        "--months", type=int, default=opts.DEFAULT_MONTHS, help="months of history (%(default)s)"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=opts.DEFAULT_OUTPUT_DIR,
        help="directory for the six CSV files (%(default)s)",
    )
    parser.add_argument(
        "--delta-of",
        type=Path,
        metavar="DIR",
        help="write a delta instead: the --days after the export in DIR (new deal changes, new "
        "and changed activities, whole small files); the base decides deals, months and dates",
    )
    parser.add_argument("--days", type=int, help="with --delta-of: the days the delta covers")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    return parser


def _delta(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> int:
    given = {option for option in ("--deals", "--months", "--start-date") if option in argv}
    if given:
        parser.error(f"{sorted(given)[0]}: not with --delta-of (the base export decides)")
    if args.days is None:
        parser.error("--delta-of needs --days N")
    if not args.delta_of.is_dir():
        parser.error(f"--delta-of {args.delta_of}: not a directory")
    try:
        summary = write_delta(args.delta_of, args.days, args.seed, args.output_dir)
    except DeltaError as error:
        parser.error(str(error))
    except OSError as error:
        parser.exit(1, f"{parser.prog}: error: --output-dir {args.output_dir}: {error.strerror}\n")
    if not args.quiet:
        print(f"delta of {summary.start:%Y-%m-%d} to {summary.end:%Y-%m-%d} (exclusive):")
        for name, count in summary.rows.items():
            print(f"{args.output_dir / name}: {count} rows")
        print(f"of which {summary.changed_activities} rows change an activity of the base")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.delta_of is not None:
        return _delta(parser, args, sys.argv[1:] if argv is None else argv)
    if args.days is not None:
        parser.error("--days: only with --delta-of DIR")
    try:
        options = opts.GeneratorOptions(
            seed=args.seed,
            deals=args.deals,
            start_date=opts.parse_start_date(args.start_date),
            months=args.months,
            output_dir=args.output_dir,
        )
    except opts.OptionError as error:
        parser.error(str(error))
    with tqdm(total=options.deals, unit="deal", disable=args.quiet or None, file=sys.stderr) as bar:
        try:
            summary = write_export(options, bar.update)
        except OSError as error:
            parser.exit(
                1, f"{parser.prog}: error: --output-dir {options.output_dir}: {error.strerror}\n"
            )
    if not args.quiet:
        for name, count in summary.rows.items():
            print(f"{options.output_dir / name}: {count} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
