"""The harness of the failing cases of the catalogue: few dbt builds for many cases.

A failing edit breaks one export file, and dbt loads each seed on its own: a build of an export
with one broken file per seed reports each seed's failure apart, with its own message. So the cases
are packed into rounds, at most one case per file in a round, and each round is one `dbt build` of
one project copy into one database, the same for every round: dbt then parses the project once
and, in the later rounds, only the changed seed files (partial parsing). Each case's test reads its
seed's failure in its round's output.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dbt_runs import WITHOUT_UNIT_TESTS, run_dbt
from hostile_exports import BASE, Edit, copy_base
from project_copy import copy_project

SEEDS = "seeds/pipedrive"


@dataclass(frozen=True)
class Round:
    """One build: its cases by the file each breaks, its output, log and run results."""

    cases: dict[str, str]  # case -> the export file it breaks
    returncode: int
    output: str
    log: str
    run_results: str

    def failure_of(self, case: str) -> str:
        """The build's message for the seed of `case`: from its `Failure in seed` line to the
        next failure or the end."""
        seed = Path(self.cases[case]).stem
        start = self.output.find(f"Failure in seed {seed} ")
        assert start >= 0, f"no failure of seed {seed}:\n{self.output[-3000:]}"
        end = self.output.find("Failure in ", start + 1)
        return self.output[start : end if end >= 0 else None]


def broken_file(workdir: Path, edit: Edit) -> str:
    """The one export file `edit` changes (a case that changes two could not share a round)."""
    export = copy_base(workdir)
    edit(export)
    changed = [
        path.name
        for path in sorted(BASE.glob("*.csv"))
        if path.read_bytes() != (export / path.name).read_bytes()
    ]
    shutil.rmtree(workdir)
    assert len(changed) == 1, changed
    return changed[0]


def plan_rounds(files: dict[str, str]) -> list[dict[str, str]]:
    """Cases (case -> file) in as few rounds as there are cases of the most broken file."""
    rounds: list[dict[str, str]] = []
    for case in sorted(files):
        free = [r for r in rounds if files[case] not in r.values()]
        if free:
            free[0][case] = files[case]
        else:
            rounds.append({case: files[case]})
    return rounds


def run_rounds(
    workdir: Path, database: str, edits: dict[str, Edit], rounds: Iterable[dict[str, str]]
) -> dict[str, Round]:
    """Build each round's export in one project copy and database; each case's round."""
    project = copy_project(workdir / "project")
    by_case: dict[str, Round] = {}
    for number, cases in enumerate(rounds):
        export = copy_base(workdir / f"round_{number}")
        for case in cases:
            edits[case](export)
        for path in export.glob("*.csv"):
            shutil.copy2(path, project / SEEDS / path.name)
        log = project / "logs" / "dbt.log"
        log.unlink(missing_ok=True)
        result = run_dbt(project, database, "build", *WITHOUT_UNIT_TESTS, write_json=True)
        done = Round(
            cases=cases,
            returncode=result.returncode,
            output=result.stdout + result.stderr,
            log=log.read_text(encoding="utf-8"),
            run_results=(project / "target" / "run_results.json").read_text(encoding="utf-8"),
        )
        by_case.update(dict.fromkeys(cases, done))
    return by_case
