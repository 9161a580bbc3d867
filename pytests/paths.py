"""Where things are: the repository, its sample export and the tests' fixtures."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = REPO_ROOT / "seeds" / "pipedrive"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
HANDMADE_EXPORT = FIXTURES_DIR / "handmade_export"
HANDMADE_EXPECTED = HANDMADE_EXPORT / "expected"
