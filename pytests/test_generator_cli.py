"""The command line: help, one-line errors naming the option, and no half-written files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipedrive_funnel.generator import export
from pipedrive_funnel.generator.cli import main
from pipedrive_funnel.generator.options import GeneratorOptions


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipedrive_funnel.generator.cli", *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_help_lists_every_option() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for option in ("--seed", "--deals", "--start-date", "--months", "--output-dir"):
        assert option in result.stdout


def test_writes_six_files_and_reports_rows(tmp_path: Path) -> None:
    result = _run("--deals", "50", "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "out").glob("*.csv"))) == 6
    assert "users.csv: 30 rows" in result.stdout  # 25 reps, the fewest, and 5 other users


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--deals", "-5"], "--deals"),
        (["--deals", "0"], "--deals"),
        (["--deals", "many"], "--deals"),
        (["--months", "0"], "--months"),
        (["--seed", "-1"], "--seed"),
        (["--start-date", "2024-13-01"], "--start-date"),
        (["--start-date", "yesterday"], "--start-date"),
        (["--start-date", "2024-01-31"], "--start-date"),
    ],
)
def test_invalid_options_exit_non_zero_with_one_line(
    tmp_path: Path, args: list[str], named: str
) -> None:
    result = _run(*args, "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert named in result.stderr
    assert not (tmp_path / "out").exists()


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_text("keep me\n")
    result = _run("--output-dir", str(target))
    assert result.returncode == 2
    assert "--output-dir" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert target.read_text() == "keep me\n"


def test_failed_run_leaves_no_half_written_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "deal_changes.csv").write_text("previous export\n")
    real = export.generate_deal_rows

    def failing(*args, **kwargs):
        for number, deal in enumerate(real(*args, **kwargs)):
            if number == 100:
                raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-run
            yield deal

    monkeypatch.setattr(export, "generate_deal_rows", failing)
    with pytest.raises(KeyboardInterrupt):
        export.write_export(GeneratorOptions(deals=500, output_dir=out))
    assert sorted(p.name for p in out.iterdir()) == ["deal_changes.csv"]
    assert (out / "deal_changes.csv").read_text() == "previous export\n"


def test_unwritable_output_dir_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SystemExit) as exited:
        main(["--deals", "5", "--quiet", "--output-dir", str(blocker / "below")])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "--output-dir" in err and len(err.strip().splitlines()) == 1
