"""Writes a complete Pipedrive export (the six CSV files) for the given options."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from pipedrive_funnel import export_format as fmt
from pipedrive_funnel.generator.deals import (
    ACTIVITY_HISTORY_DELAY_MONTHS,
    OwnerPicker,
    Window,
    generate_deal_rows,
)
from pipedrive_funnel.generator.options import GeneratorOptions
from pipedrive_funnel.generator.people import generate_users, rep_count
from pipedrive_funnel.generator.writer import atomic_csv_files


@dataclass(frozen=True)
class ExportSummary:
    rows: dict[str, int]  # data rows per file name


def _window(options: GeneratorOptions) -> Window:
    delay = min(ACTIVITY_HISTORY_DELAY_MONTHS, options.months - 1)
    month_index = options.start_date.month - 1 + delay
    activities_from = options.start.replace(
        year=options.start.year + month_index // 12, month=month_index % 12 + 1
    )
    return Window(options.start, options.export_at, activities_from)


def write_export(
    options: GeneratorOptions, on_deals: Callable[[int], None] = lambda _: None
) -> ExportSummary:
    """Generate the export into `options.output_dir`; `on_deals(n)` reports progress in deals."""
    rng = random.Random(options.seed)
    window = _window(options)
    rows = dict.fromkeys(fmt.FILE_NAMES, 0)
    with atomic_csv_files(options.output_dir, fmt.HEADERS) as out:
        out[fmt.ACTIVITY_TYPES].writerows(fmt.ACTIVITY_TYPE_ROWS)
        out[fmt.STAGES].writerows(fmt.STAGE_ROWS)
        out[fmt.FIELDS].writerows(fmt.FIELD_ROWS)
        users = list(
            generate_users(
                rng, options.seed, rep_count(options.deals), window.start, window.export_at
            )
        )
        out[fmt.USERS].writerows(user.row() for user in users)
        owners = OwnerPicker(
            rng, [(user.user_id, user.joined) for user in users if user.joined is not None]
        )
        for deal in generate_deal_rows(rng, owners, window, options.deals):
            out[fmt.DEAL_CHANGES].writerows(deal.changes)
            out[fmt.ACTIVITY].writerows(deal.activities)
            rows[fmt.DEAL_CHANGES] += len(deal.changes)
            rows[fmt.ACTIVITY] += len(deal.activities)
            on_deals(deal.lifecycles)
    rows[fmt.ACTIVITY_TYPES] = len(fmt.ACTIVITY_TYPE_ROWS)
    rows[fmt.STAGES] = len(fmt.STAGE_ROWS)
    rows[fmt.FIELDS] = len(fmt.FIELD_ROWS)
    rows[fmt.USERS] = len(users)
    return ExportSummary(rows)
