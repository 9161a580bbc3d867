"""Import the dashboard folder into Superset, overwriting what an earlier import left.

Used by `set_up.py`, with the Python of Superset's own virtual environment, because it uses
Superset's import command. The database connection
comes from the environment variable PIPEDRIVE_BI_DATABASE_URI, not from the folder, so the
committed files hold no host, port or password; PIPEDRIVE_BI_MARTS_SCHEMA names the schema of the
marts (public_marts unless the profile's DBT_PG_SCHEMA says otherwise).

Superset's `import-dashboards` command never overwrites existing charts, datasets or databases;
the assets import used here overwrites all of them, so a changed chart or connection reaches an
instance that was set up before.
"""

from pathlib import Path

import yaml

DATABASE_FILE = "databases/pipedrive_funnel.yaml"


def read_bundle(folder: Path, database_uri: str, marts_schema: str) -> dict[str, str]:
    contents = {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*.yaml"))
    }
    database = yaml.safe_load(contents[DATABASE_FILE])
    database["sqlalchemy_uri"] = database_uri
    contents[DATABASE_FILE] = yaml.safe_dump(database)
    for name in [name for name in contents if name.startswith("datasets/")]:
        dataset = yaml.safe_load(contents[name])
        dataset["schema"] = marts_schema
        contents[name] = yaml.safe_dump(dataset)
    return contents


def import_bundle(contents: dict[str, str], admin: str) -> None:
    """Import the files, overwriting, as the user `admin` (in Superset's application context)."""
    from flask import g
    from superset import security_manager
    from superset.commands.importers.v1.assets import ImportAssetsCommand

    g.user = security_manager.find_user(username=admin)
    ImportAssetsCommand(contents).run()
