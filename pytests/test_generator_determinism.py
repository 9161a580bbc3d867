"""Same options, same bytes; another seed, other bytes; the committed sample is the default."""

from __future__ import annotations

from pathlib import Path

from pipedrive_funnel.export_format import FILE_NAMES
from pipedrive_funnel.generator.export import write_export
from pipedrive_funnel.generator.options import GeneratorOptions

from conftest import SEEDS_DIR


def _contents(directory: Path) -> dict[str, bytes]:
    """The CSV files of an export directory (seeds/pipedrive also holds their dbt YAML)."""
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*.csv"))}


def test_same_options_give_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_export(GeneratorOptions(seed=7, deals=500, output_dir=first))
    write_export(GeneratorOptions(seed=7, deals=500, output_dir=second))
    assert _contents(first) == _contents(second)


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    write_export(GeneratorOptions(seed=7, deals=500, output_dir=tmp_path / "a"))
    write_export(GeneratorOptions(seed=8, deals=500, output_dir=tmp_path / "b"))
    a, b = _contents(tmp_path / "a"), _contents(tmp_path / "b")
    for name in ("deal_changes.csv", "activity.csv", "users.csv"):
        assert a[name] != b[name], name
    for name in ("activity_types.csv", "stages.csv", "fields.csv"):
        assert a[name] == b[name], name


def test_committed_sample_is_the_default_output(default_export: Path) -> None:
    committed = _contents(SEEDS_DIR)
    assert sorted(committed) == sorted(FILE_NAMES)
    generated = _contents(default_export)
    differing = [name for name in FILE_NAMES if committed[name] != generated[name]]
    assert not differing, (
        f"{differing} differ from `pipedrive-generate` with default options; regenerate the sample"
    )


def test_committed_sample_stays_under_two_megabytes() -> None:
    assert sum(path.stat().st_size for path in SEEDS_DIR.glob("*.csv")) < 2 * 1024 * 1024
