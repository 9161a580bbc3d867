"""Set up Superset in one process: its metadata, the admin user, roles, the dashboard.

Runs with the Python of Superset's own virtual environment (`pipedrive-bi` calls it):
`python set_up.py <dashboard folder>`, the admin's password on standard input (never on a
command line, which every user of the machine can read in the process list). One process starts
Superset's application once; the five commands it replaces (`superset db upgrade`, `fab
create-admin`, `fab reset-password`, `superset init` and the import) started it five times. Each
step is named on standard output as it starts.
"""

import contextlib
import os
import sys
import time
from pathlib import Path

from import_dashboard import import_bundle, read_bundle

STARTED = time.monotonic()


def step(name: str) -> None:
    print(f"  {time.monotonic() - STARTED:5.1f} s  {name}", flush=True)


def main() -> None:
    folder = Path(sys.argv[1])
    admin = os.environ["SUPERSET_ADMIN_USER"]
    password = sys.stdin.readline().rstrip("\n")
    contents = read_bundle(
        folder, os.environ["PIPEDRIVE_BI_DATABASE_URI"], os.environ["PIPEDRIVE_BI_MARTS_SCHEMA"]
    )
    step("starting Superset")
    # Superset prints "Loaded your LOCAL configuration" as it starts: to the log, not the steps
    with contextlib.redirect_stdout(sys.stderr):
        from superset.app import create_app  # Superset's venv only; read_bundle needs none of it

        app = create_app()
    with app.app_context():
        from flask_migrate import upgrade
        from superset import appbuilder, security_manager

        step("its metadata database: migrations")
        with contextlib.redirect_stdout(sys.stderr):  # the migrations' own notes, to the log
            upgrade()
        # the roles first: on a new metadata database, the admin role exists only after this
        step("roles and permissions")
        appbuilder.add_permissions(update_perms=True)
        security_manager.sync_role_definitions()
        user = security_manager.find_user(username=admin)
        if user is None:
            step(f"the admin user {admin}: created")
            role = security_manager.find_role(security_manager.auth_role_admin)
            user = security_manager.add_user(
                admin, "Admin", "User", f"{admin}@localhost", role, password
            )
            if not user:
                sys.exit(f"set_up.py: the admin user {admin} could not be created")
        else:
            step(f"the admin user {admin}: password set")
            security_manager.reset_password(user.id, password)
        step(f"the dashboard: {len(contents) - 1} files from {folder}")
        import_bundle(contents, admin)
    step("done")


if __name__ == "__main__":
    main()
