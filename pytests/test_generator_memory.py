"""Memory does not grow with the number of deals: the generator streams its rows.

Not a timing test: it compares the peak resident memory of two runs of different sizes.
"""

from __future__ import annotations

from pathlib import Path

from pipedrive_funnel.benchmark import run_once


def test_peak_memory_does_not_grow_with_deals(tmp_path: Path) -> None:
    (tmp_path / "small").mkdir()
    (tmp_path / "large").mkdir()
    _, small_peak, small_bytes = run_once(2_000, 1, tmp_path / "small")
    _, large_peak, large_bytes = run_once(40_000, 1, tmp_path / "large")
    assert large_bytes > 15 * small_bytes
    assert large_peak - small_peak < 8, (small_peak, large_peak)
