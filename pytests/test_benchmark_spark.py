"""The comparison of the two engines' reports in `pipedrive-benchmark-spark` (the benchmark itself
runs minutes on a cluster: `make benchmark-build ENGINE=spark`, never in `make test`)."""

from __future__ import annotations

from pipedrive_funnel.benchmark import Measure
from pipedrive_funnel.benchmark_spark import EngineRun, _differing, _value, format_row


def _run(seconds: float, reports: dict[str, list[tuple]] | None) -> EngineRun:
    return EngineRun(Measure(seconds, 0), Measure(seconds * 3, 0), [], reports)


def test_values_compare_by_value_whatever_each_engine_prints() -> None:
    """PostgreSQL prints numeric 0.50 and Spark's double 0.5; both print 12 and 12.0 apart."""
    assert _value("0.50") == _value(0.5) == "0.5"
    assert _value(12) == _value("12.0") == "12"
    assert _value("2024-01") == "2024-01"
    assert _value(None) is None


def test_each_row_of_one_engine_alone_counts_as_differing() -> None:
    postgres = _run(1, {"rep": [("2024-01", "3"), ("2024-02", "5")]})
    spark = _run(10, {"rep": [("2024-01", "3"), ("2024-02", "6")]})
    assert _differing(postgres, postgres) == "0"
    assert _differing(postgres, spark) == "2"  # the row of each engine that the other lacks
    assert _differing(postgres, _run(10, None)) == "-"  # not compared at this size


def test_a_row_gives_the_totals_and_the_ratio_of_spark_to_postgresql() -> None:
    row = format_row(20_000, _run(1, None), _run(10, None))
    assert row.split() == ["20,000", "|", "1.0", "3.0", "4.0", "|", "10.0", "30.0", "40.0",
                           "|", "10.00", "|", "-"]  # fmt: skip
