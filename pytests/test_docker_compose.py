"""docker-compose.yml, checked without a Docker engine: the compose-spec schema and our rules."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_valid_against_the_compose_spec_schema() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_services(compose: dict) -> None:
    assert set(compose["services"]) == {"postgres", "dbt", "docs", "superset"}


def test_postgres_is_pinned_healthy_and_persistent(compose: dict) -> None:
    postgres = compose["services"]["postgres"]
    assert re.fullmatch(r"postgres:\d+(\.\d+)?", postgres["image"])  # a pinned major version
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]  # a named volume, not a bind mount
    assert compose["services"]["dbt"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_ports_are_bound_to_localhost_only(compose: dict) -> None:
    ports = [port for service in compose["services"].values() for port in service.get("ports", [])]
    assert ports
    assert all(str(port).startswith("127.0.0.1:") for port in ports), ports


def test_no_literal_secret(compose: dict) -> None:
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key:
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", str(value)), (name, key, value)
    assert ".env" in (REPO_ROOT / ".gitignore").read_text().splitlines()
    example = (REPO_ROOT / ".env.example").read_text()
    for variable in ("POSTGRES_PASSWORD", "SUPERSET_ADMIN_PASSWORD", "SUPERSET_DB_PASSWORD"):
        assert f"{variable}=change-me" in example  # a placeholder, documented as such


def test_services_build_the_project_with_dbt(compose: dict) -> None:
    dbt, docs = compose["services"]["dbt"], compose["services"]["docs"]
    assert dbt["command"] == ["dbt", "build"]
    assert dbt["environment"]["DBT_PG_HOST"] == "postgres"
    assert "dbt docs serve" in " ".join(docs["command"])
    assert docs["depends_on"]["dbt"]["condition"] == "service_completed_successfully"
    assert dbt["build"]["target"] == docs["build"]["target"] == "dbt"
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "dbt deps" in dockerfile and "pip install" in dockerfile


def test_superset_serves_the_same_dashboard_on_the_compose_database(compose: dict) -> None:
    superset, dbt = compose["services"]["superset"], compose["services"]["dbt"]
    assert superset["build"]["target"] == "superset"
    assert superset["depends_on"]["dbt"]["condition"] == "service_completed_successfully"
    connection = {k: v for k, v in superset["environment"].items() if k.startswith("DBT_PG_")}
    assert connection == dbt["environment"]  # the database dbt built the marts in
    assert superset["ports"] == ["127.0.0.1:${BI_PORT:-8088}:8088"]
    volume = superset["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]  # Superset's metadata survives a restart
    stages = re.findall(r"^FROM (\S+) AS (\S+)$", (REPO_ROOT / "Dockerfile").read_text(), re.M)
    assert stages == [("python:3.11-slim", "dbt"), ("dbt", "superset")]
    superset_stage = (REPO_ROOT / "Dockerfile").read_text().split("AS superset")[1]
    # The same requirements and dashboard as `make bi`, served by the same command.
    assert "-r bi/superset/requirements.txt -c bi/superset/constraints.txt" in superset_stage
    assert '"pipedrive-bi", "serve", "--host", "0.0.0.0"' in superset_stage
