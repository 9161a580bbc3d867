"""Command line: `pipedrive-generate --help`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from pipedrive_funnel.cli_parser import Parser
from pipedrive_funnel.generator import options as opts
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
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
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
