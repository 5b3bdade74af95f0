"""Command-line groups: seed, users, catalog, search."""
from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db

seed_cli = AppGroup("seed", help="Load demo or reference data.")
users_cli = AppGroup("users", help="Manage accounts.")
catalog_cli = AppGroup("catalog", help="Catalog import.")


@users_cli.command("create")
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--role", type=click.Choice(["buyer", "producer", "staff", "admin", "commune_officer"]),
              default="buyer")
@click.option("--commune", "commune_code", default=None, help="a commune officer's commune: its official code")
@click.option("--password", required=True)
@click.option("--name", default=None)
def users_create(email, phone, role, commune_code, password, name):
    """Create an account: flask --app wsgi users create --email E --role R --password P
    (a commune officer: --role commune_officer --commune 01477)"""
    from sqlalchemy import select

    from .accounts import services
    from .errors import DomainError
    from .places import Commune

    login = email or phone
    if not login:
        raise click.UsageError("give --email or --phone")
    commune = None
    if commune_code:
        commune = db.session.scalar(select(Commune).where(Commune.code == commune_code.strip().zfill(5)))
        if commune is None:
            raise click.UsageError(f"no commune with the code {commune_code}")
    try:
        user = services.register(name or login, login, password, role, commune=commune)
    except (DomainError, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc) or "account exists") from exc
    db.session.commit()
    click.echo(f"created {user.role} {user.login_name} (id {user.id})")


@catalog_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--dry-run", is_flag=True, help="Only check the file; write nothing.")
def catalog_import(csv_file, dry_run):
    """Import producers and OCOP listings from CSV_FILE (UTF-8, a BOM is accepted).

    \b
    Header:
      producer_name,producer_kind,province,commune,poverty_status,product_name,
      description,group,stars,certificate_no,certified_on,price_vnd,unit,stock,
      support_project_code

    \b
    - producer_kind: household | cooperative | cooperative_group | enterprise
    - province: name with or without diacritics ("Cao Bang") or code ("CB");
      names of provinces merged in 2025 map to the new province
    - poverty_status: poor | near_poor | escaped | none (empty = none)
    - group: food | drinks | herbal | handicraft | ornamental | tourism
    - stars (3-5), certificate_no, certified_on (YYYY-MM-DD or DD/MM/YYYY):
      all three, or all empty for a product without certificate
    - price_vnd and stock: whole non-negative numbers ("125000" or "125.000")
    - support_project_code: must name an existing support project

    Every row is checked first. On any error, every bad row is printed with its
    line number (header = line 1) and column, nothing is written and the exit
    code is 1.

    Producers are matched by name + commune + province, listings by producer +
    product name (case and tone placement ignored), so importing the same file
    twice changes nothing. Re-importing a changed file updates price, stock,
    description, unit and group of existing listings, the kind and household
    category of existing producers, and adds or corrects certificates by
    decision number; it never deletes anything, never changes a review state
    staff decided, and leaves archived listings alone. New producers are
    verified and new listings approved. One audit row "catalog.import" records
    the counts when something changed.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from .catalog import importer

    with open(csv_file, "rb") as fh:
        data = fh.read()
    try:
        result = importer.run_import(data, source=os.path.basename(csv_file), dry_run=dry_run)
    except importer.ImportFailed as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"Không nhập được: {len(exc.errors)} lỗi, chưa ghi gì vào cơ sở dữ liệu.") from None
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise click.ClickException(
            f"Không nhập được: cơ sở dữ liệu từ chối ghi ({type(exc).__name__}); chưa ghi gì."
        ) from None
    except Exception:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
        click.echo(f"Tệp hợp lệ: {result.rows} dòng. Chưa ghi gì (--dry-run).")
        return
    db.session.commit()
    if result.products_created or result.producers_created:
        _refresh_statistics("producers", "products", "ocop_certificates")
    click.echo(_import_summary(result))


def _refresh_statistics(*tables: str) -> None:
    """Planner statistics at once after a bulk load, on both engines. PostgreSQL's autovacuum gets there only
    later (meanwhile the home page's query took seconds instead of a millisecond after a 10,000-row load); SQLite
    never does by itself (the producer page went 20 → 91 ms from 10,000 to 50,000 products until ANALYZEd)."""
    from sqlalchemy import text

    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"ANALYZE {', '.join(tables)}"))
    else:
        for table in tables:  # SQLite analyses one table (or everything) per statement
            db.session.execute(text(f"ANALYZE {table}"))
    db.session.commit()


def _import_summary(result) -> str:
    lines = [
        f"Đã nhập {result.rows} dòng.",
        f"  Cơ sở sản xuất: tạo mới {result.producers_created}, cập nhật {result.producers_updated}, "
        f"giữ nguyên {result.producers_unchanged}",
        f"  Sản phẩm: tạo mới {result.products_created}, cập nhật {result.products_updated}, "
        f"giữ nguyên {result.products_unchanged}"
        + (f", bỏ qua (đã lưu trữ) {result.products_skipped}" if result.products_skipped else ""),
        f"  Chứng nhận OCOP ghi mới hoặc sửa: {result.certificates_set}",
    ]
    return "\n".join(lines)


@seed_cli.command("demo")
def seed_demo():
    """Load the demo shop (idempotent: running it again changes nothing).

    Demo users, producers in Cao Bằng, Lạng Sơn, Lào Cai, Tuyên Quang and more,
    listings imported from ocop_market/data/demo_catalog.csv, producer stories,
    pending items for the staff queues and generated placeholder photos.
    """
    from flask import current_app

    from . import demo
    from .catalog import importer

    try:
        report = demo.load_demo(current_app.config["UPLOAD_DIR"], current_app.config.get("DEMO_PHOTO_SIZE", 720))
    except importer.ImportFailed as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise click.ClickException("Dữ liệu mẫu không hợp lệ; chưa ghi gì.") from None
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    click.echo(report.summary())


@seed_cli.command("logins")
def seed_logins():
    """Print the demo logins (email and password)."""
    from . import demo

    click.echo(demo.logins_table())


places_cli = AppGroup("places", help="Official communes (đơn vị hành chính cấp xã) and matching free text to them.")


@places_cli.command("load-communes")
def places_load_communes():
    """Insert the official list of communes (data/communes_2025.csv) where missing."""
    from .places import load_communes

    added = load_communes()
    db.session.commit()
    click.echo(f"Đã thêm {added} đơn vị hành chính cấp xã.")


@places_cli.command("match-communes")
@click.option("--dry-run", is_flag=True, help="Report what would match without saving.")
def places_match_communes(dry_run: bool):
    """Give producers and support projects whose commune is free text the official commune it names, and list
    every record that could not be matched (staff correct those by hand)."""
    from .audit import record
    from .catalog.models import Producer
    from .places import Province, load_communes, match_commune
    from .programs.models import SupportProject

    load_communes()
    provinces = {p.id: p.code for p in db.session.scalars(select(Province))}
    matched, unmatched = 0, []
    records: list[tuple[str, list[Producer] | list[SupportProject]]] = [
        ("producer", list(db.session.scalars(select(Producer).where(Producer.commune_id.is_(None))
                                             .order_by(Producer.id)))),
        ("support_project", list(db.session.scalars(select(SupportProject).where(SupportProject.commune_id.is_(None))
                                                    .order_by(SupportProject.id)))),
    ]
    for kind, rows in records:
        for row in rows:
            commune = match_commune(row.province_id, row.commune)
            if commune is None:
                unmatched.append((kind, row.id, provinces.get(row.province_id, "?"), row.commune))
                continue
            matched += 1
            if not dry_run:
                row.commune_id = commune.id
                record(None, "places.match_commune", kind, row.id, commune=row.commune, commune_code=commune.code)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(f"Khớp được {matched} hồ sơ{' (chạy thử, chưa lưu)' if dry_run else ''}; "
               f"không khớp được {len(unmatched)}.")
    for kind, row_id, province, text in unmatched:
        click.echo(f"  {kind} #{row_id} ({province}): “{text}”")


def register_cli(app: Flask) -> None:
    app.cli.add_command(places_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(catalog_cli)
    from .search.cli import search_cli

    app.cli.add_command(search_cli)
    from .messaging.cli import notify_cli

    app.cli.add_command(notify_cli)
    from .jobs.cli import jobs_cli

    app.cli.add_command(jobs_cli)
    from .backup import register_backup_commands

    register_backup_commands(app)  # flask --app wsgi db backup PATH / db restore PATH --yes
