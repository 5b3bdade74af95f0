"""Listings produced under a support project: naming the project of a listing (from the staff form, from the
catalog importer, from demo data) and showing it on the product page.

The catalog sits below the programmes and knows nothing of them: its importer asks `signals.import_support_project`
and sends `signals.listing_project_imported`, and its product page has the slot `catalog.product.producer`; this
module answers them (connected in `init_app`).
"""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, signals, slots
from ..catalog import listings as catalog_listings
from ..catalog.certificates import CertificateData
from ..catalog.listings import ProductData
from ..catalog.models import Producer, Product
from ..errors import InvalidInput
from ..extensions import db
from ..routing import is_id
from .models import SupportProject
from .participation import nameable_producer_ids
from .projects import project_by_code, require_scope, scoped


def set_product_project(actor, product: Product, project: SupportProject | None) -> bool:
    """Name (or clear) the project a listing was produced under. Returns whether anything changed."""
    new_id = project.id if project is not None else None
    if product.support_project_id == new_id:
        return False
    if project is not None:
        require_scope(actor, project.province_id)
    old = product.support_project_id
    if old is not None:  # taking a listing out of a project changes that project's figures
        require_scope(actor, db.session.get_one(SupportProject, old).province_id)
    product.support_project_id = new_id
    db.session.flush()
    audit.record(actor.id, "product.set_project", "product", product.id, old=old, new=new_id)
    return True


def project_choices(user, current_id: int | None = None) -> list[tuple[int, str]]:
    q = scoped(select(SupportProject).order_by(SupportProject.code), user)
    rows = [(p.id, f"{p.code} — {p.name}") for p in db.session.scalars(q)]
    if current_id and current_id not in {i for i, _ in rows}:
        p = db.session.get(SupportProject, current_id)
        if p is not None:
            rows.append((p.id, f"{p.code} — {p.name}"))
    return rows


#: "leave the listing's project as it is" (a staff form post without the project field)
KEEP_PROJECT = object()


def save_listing(actor, producer: Producer, data: ProductData, certificate: CertificateData | None,
                 project_id, product: Product | None = None) -> Product:
    """The staff product form: the listing and its certificate (catalog), then the project it belongs to."""
    product = catalog_listings.save_listing(actor, producer, data, certificate, product)
    if project_id is KEEP_PROJECT:
        return product
    project = None
    if project_id is not None:
        project = db.session.get(SupportProject, project_id) if is_id(project_id) else None
        if project is None:
            raise InvalidInput(_("Dự án không hợp lệ."))
    set_product_project(actor, product, project)
    return product


# ---------------------------------------------------------------- what the catalog asks
def _imported_code(code: str) -> SupportProject | None:
    return project_by_code(code)


def _imported_listing(actor, product: Product, project: SupportProject) -> bool:
    return set_product_project(actor, product, project)


def _product_page_link(_slot: str, product: Product) -> str | None:
    project = db.session.get(SupportProject, product.support_project_id) if product.support_project_id else None
    if project is None:
        return None
    # Naming the project beside a household's name says the household is poor or near-poor: only with its consent.
    if product.producer_id not in nameable_producer_ids(project):
        return None
    return render_template("programs/_product_project_link.html", project=project)


def init_app(app: Flask) -> None:
    signals.import_support_project.connect(_imported_code, weak=False)
    signals.listing_project_imported.connect(_imported_listing, weak=False)
    slots.register("catalog.product.producer", _product_page_link)
