"""Database backups and restores: `flask --app wsgi db backup PATH` and `flask --app wsgi db restore PATH`.

- SQLite: the online backup API (`sqlite3.Connection.backup`), page by page under SQLite's own locks,
  so a backup taken while the shop is serving is consistent (WAL included). Never copy a live
  database file with `cp`: a copy taken mid-commit, or without the `-wal` file, is torn.
  The backup is written beside PATH and renamed into place after `PRAGMA integrity_check` passes,
  so PATH is either the previous file or a whole new backup.
- PostgreSQL: `pg_dump -Fc` (custom format, compressed, restored with `pg_restore`). The commands run
  the client tools found on PATH; `--print` only shows the command. The password, if the URL has
  one, goes to the tool in PGPASSWORD, never on its command line.

The search index is not backed up: it is rebuilt from the database (`db restore` runs the rebuild
itself; `flask --app wsgi search reindex` does it by hand). Uploaded photos live in UPLOAD_DIR, outside
the database: copy that folder alongside (file names never change once written).
"""
from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass

import click
from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    """A backup or restore could not be done; the message says why (shown by the CLI)."""


@dataclass(frozen=True)
class PgCommand:
    argv: list[str]
    env: dict[str, str]

    def display(self) -> str:
        prefix = "PGPASSWORD=… " if "PGPASSWORD" in self.env else ""
        return prefix + " ".join(shlex.quote(a) for a in self.argv)


def sqlite_path(url: str | URL) -> str:
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(f"not an SQLite database: {url.get_backend_name()}")
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return url.database


def _integrity_check(path: str) -> None:
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    if result != "ok":
        raise BackupError(f"integrity check failed for {path}: {result}")


def _create_private(path: str) -> None:
    """An empty file only its owner can read: a backup holds password hashes, addresses and phone numbers."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def sqlite_copy(source: str, dest: str, pages: int = 1024) -> None:
    """Copy one SQLite database into another through the online backup API.

    `dest` is written under a temporary name, checked, and then renamed over `dest`.
    """
    if not os.path.exists(source):
        raise BackupError(f"no such database file: {source}")
    dest = os.path.abspath(dest)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    tmp = f"{dest}.partial-{os.getpid()}"
    for leftover in (tmp, tmp + "-wal", tmp + "-shm", tmp + "-journal"):
        if os.path.exists(leftover):
            os.remove(leftover)
    _create_private(tmp)
    src = sqlite3.connect(source, timeout=30)
    try:
        out = sqlite3.connect(tmp)
        try:
            # Several pages at a time: writers are not held up for the whole copy.
            src.backup(out, pages=pages)
            # A single self-contained file: no -wal beside the backup.
            out.execute("PRAGMA journal_mode=DELETE")
        finally:
            out.close()
    finally:
        src.close()
    try:
        _integrity_check(tmp)
    except BackupError:
        os.remove(tmp)
        raise
    os.replace(tmp, dest)


def backup_sqlite(url: str | URL, dest: str) -> str:
    """Back up the SQLite database at `url` into the file `dest`; returns the path written."""
    sqlite_copy(sqlite_path(url), dest)
    return os.path.abspath(dest)


def restore_sqlite(backup_file: str, url: str | URL) -> str:
    """Write `backup_file` into the SQLite database at `url` (created if missing), again through the
    backup API, so connections that stay open see the restored content rather than a deleted inode."""
    if not os.path.exists(backup_file):
        raise BackupError(f"no such backup file: {backup_file}")
    _integrity_check(backup_file)
    target = sqlite_path(url)
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    src = sqlite3.connect(backup_file)
    try:
        out = sqlite3.connect(target, timeout=30)
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()
    return os.path.abspath(target)


def _pg_url(url: str | URL) -> tuple[str, dict[str, str]]:
    """A libpq URL for the client tools (no SQLAlchemy driver suffix, no password) and its env."""
    url = make_url(url)
    if url.get_backend_name() != "postgresql":
        raise BackupError(f"not a PostgreSQL database: {url.get_backend_name()}")
    env = {}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                       database=url.database, query=url.query)
    return plain.render_as_string(hide_password=False), env


def pg_dump_command(url: str | URL, dest: str) -> PgCommand:
    dsn, env = _pg_url(url)
    return PgCommand(["pg_dump", "--format=custom", "--no-owner", "--file", dest, "--dbname", dsn], env)


def pg_restore_command(url: str | URL, backup_file: str) -> PgCommand:
    dsn, env = _pg_url(url)
    # --clean --if-exists: drop what the backup recreates, so a restore over a used database works.
    return PgCommand(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                      "--exit-on-error", "--dbname", dsn, backup_file], env)


def run_pg(command: PgCommand) -> None:
    tool = shutil.which(command.argv[0])
    if tool is None:
        raise BackupError(f"{command.argv[0]} is not on PATH (Debian: apt-get install postgresql-client); "
                          f"run by hand: {command.display()}")
    # Fixed tool, an argument list and no shell; the URL comes from our own configuration.
    proc = subprocess.run(  # noqa: S603
        [tool, *command.argv[1:]], env={**os.environ, **command.env}, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BackupError(f"{command.argv[0]} failed ({proc.returncode}): {proc.stderr.strip()[:2000]}")


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# ---------------------------------------------------------------------------------------------- CLI
@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--print", "print_only", is_flag=True, help="PostgreSQL: only print the pg_dump command.")
def backup_cmd(path: str, print_only: bool):
    """Back up the database into PATH (SQLite: online backup API; PostgreSQL: pg_dump -Fc).

    Safe while the app is serving. The search index is not included (rebuild it after a restore);
    uploaded photos are in UPLOAD_DIR: copy that folder too.
    """
    from .extensions import db

    url = db.engine.url
    try:
        if is_sqlite(url):
            written = backup_sqlite(url, path)
            click.echo(f"backup written: {written} ({os.path.getsize(written)} bytes)")
            return
        command = pg_dump_command(url, path)
        if print_only:
            click.echo(command.display())
            return
        _create_private(path)  # pg_dump writes into it and keeps the mode
        run_pg(command)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written: {os.path.abspath(path)} (pg_dump custom format; restore with pg_restore "
               f"or flask --app wsgi db restore)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--yes", is_flag=True, help="Confirm: the configured database is overwritten.")
@click.option("--print", "print_only", is_flag=True, help="PostgreSQL: only print the pg_restore command.")
@click.option("--no-reindex", is_flag=True, help="Do not rebuild the search index afterwards.")
def restore_cmd(path: str, yes: bool, print_only: bool, no_reindex: bool):
    """Replace the configured database with the backup PATH, then rebuild the search index.

    Stop the app servers first: requests served during a restore see a mix of old and new data.
    """
    from .extensions import db

    url = db.engine.url
    if print_only and not is_sqlite(url):
        click.echo(pg_restore_command(url, path).display())
        return
    if not yes:
        raise click.ClickException("this overwrites the configured database; add --yes to go ahead")
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps the old content
    try:
        if is_sqlite(url):
            restore_sqlite(path, url)
        else:
            run_pg(pg_restore_command(url, path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    db.engine.dispose()
    click.echo(f"database restored from {os.path.abspath(path)}")
    if not no_reindex:
        from .search import get_search

        count = get_search().reindex()
        click.echo(f"search index rebuilt: {count} product(s)")


def register_backup_commands(app) -> None:
    """Add `backup` and `restore` to Flask-Migrate's `db` group (`flask --app wsgi db backup PATH`)."""
    group = app.cli.commands.get("db")
    if group is None or not isinstance(group, click.Group):  # Flask-Migrate not set up: own group
        group = click.Group("db", help="Database backups.")
        app.cli.add_command(group)
    group.add_command(backup_cmd)
    group.add_command(restore_cmd)
