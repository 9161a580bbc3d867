"""The generator's options and their validation, independent of any command line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

DEFAULT_SEED = 42
DEFAULT_DEALS = 2_000
DEFAULT_START_DATE = date(2024, 1, 1)
DEFAULT_MONTHS = 14
DEFAULT_OUTPUT_DIR = Path("seeds/pipedrive")


class OptionError(ValueError):
    """An invalid option; the message names the option and the value."""


@dataclass(frozen=True)
class GeneratorOptions:
    seed: int = DEFAULT_SEED
    deals: int = DEFAULT_DEALS
    start_date: date = DEFAULT_START_DATE
    months: int = DEFAULT_MONTHS
    output_dir: Path = DEFAULT_OUTPUT_DIR

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise OptionError(f"--seed must be zero or a positive integer, got {self.seed}")
        if self.deals < 1:
            raise OptionError(f"--deals must be a positive integer, got {self.deals}")
        if not 1 <= self.months <= 600:
            raise OptionError(f"--months must be between 1 and 600, got {self.months}")
        if self.output_dir.exists() and not self.output_dir.is_dir():
            raise OptionError(f"--output-dir {self.output_dir} exists and is not a directory")

    @property
    def start(self) -> datetime:
        """The first instant of the export's history."""
        return datetime(self.start_date.year, self.start_date.month, self.start_date.day)

    @property
    def export_at(self) -> datetime:
        """The export date: the first instant after the last month; no event happened after it."""
        month_index = self.start_date.month - 1 + self.months
        return datetime(
            self.start_date.year + month_index // 12, month_index % 12 + 1, self.start_date.day
        )


def parse_start_date(text: str) -> date:
    """Parse --start-date as YYYY-MM-DD, on a day that exists in every month (1-28)."""
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        raise OptionError(f"--start-date must be a date as YYYY-MM-DD, got {text!r}") from None
    if parsed.day > 28:
        raise OptionError(f"--start-date must be on day 1-28 of a month, got {text!r}")
    return parsed
