"""Command-line groups: seed, users, catalog, search."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db

seed_cli = AppGroup("seed", help="Load demo or reference data.")
users_cli = AppGroup("users", help="Manage accounts.")
catalog_cli = AppGroup("catalog", help="Catalog import.")


@users_cli.command("create")
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--role", type=click.Choice(["buyer", "producer", "staff", "admin"]), default="buyer")
@click.option("--password", required=True)
@click.option("--name", default=None)
def users_create(email, phone, role, password, name):
    """Create an account: flask --app wsgi users create --email E --role R --password P"""
    from .accounts import services
    from .errors import DomainError

    login = email or phone
    if not login:
        raise click.UsageError("give --email or --phone")
    try:
        user = services.register(name or login, login, password, role)
    except (DomainError, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc) or "account exists") from exc
    db.session.commit()
    click.echo(f"created {user.role} {user.login_name} (id {user.id})")


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(catalog_cli)
    from .search.cli import search_cli

    app.cli.add_command(search_cli)
