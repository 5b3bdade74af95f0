"""Writing checked rows through the catalog's use cases, in the caller's transaction, so that importing the same
file twice changes nothing.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import audit, signals
from ...errors import DomainError
from ...extensions import db
from .. import certificates, listings, producers
from ..models import Producer, Product, ProductStatus
from .checking import _producer_key, parse
from .rows import SYSTEM, ImportFailed, ImportResult, ImportRow, ProjectLookup, RowError, match_key


# ---------------------------------------------------------------- writing
def _find_producers(rows: list[ImportRow]) -> dict[tuple, Producer]:
    province_ids = {r.producer.province_id for r in rows}
    found = db.session.scalars(
        select(Producer).where(Producer.province_id.in_(province_ids))
        .options(selectinload(Producer.products).selectinload(Product.certificates))
    )
    return {(match_key(p.name), match_key(p.commune), p.province_id): p for p in found}


def producer_data_of(producer: Producer, **changes) -> producers.ProducerData:
    data = producers.ProducerData(
        kind=producer.kind, name=producer.name, province_id=producer.province_id, commune=producer.commune,
        representative=producer.representative, phone=producer.phone, village=producer.village,
        legacy_district=producer.legacy_district, household_category=producer.household_category,
        category_assessed_on=producer.category_assessed_on, ethnic_minority=producer.ethnic_minority,
        woman_headed=producer.woman_headed, story=producer.story,
    )
    for k, v in changes.items():
        setattr(data, k, v)
    return data


def _certificate_differs(product: Product, cert: certificates.CertificateData) -> bool:
    same = next((c for c in product.certificates if c.decision_no == cert.decision_no.strip()), None)
    return same is None or (same.decision_date, same.stars) != (cert.decision_date, cert.stars)


def apply(rows: list[ImportRow], actor=SYSTEM, source: str = "", update_existing: bool = True) -> ImportResult:
    """Write checked rows through the catalog services; the caller commits. Raises ImportFailed
    (after which the caller must roll back) if a service still refuses a row."""
    result = ImportResult(rows=len(rows))
    known = _find_producers(rows)
    touched: set[int] = set()
    errors: list[RowError] = []
    for row in rows:
        try:
            _apply_row(row, actor, known, touched, result, update_existing)
        except DomainError as exc:
            errors.append(RowError(row.line, None, exc.message or type(exc).__name__))
    if errors:
        raise ImportFailed(errors)
    if result.changed:
        # A re-import that changed nothing leaves no trace, so importing twice yields the same rows.
        audit.record(actor.id, "catalog.import", "catalog", None, source=source,
                     **{k: v for k, v in result.counts().items()})
    return result


def _apply_row(row: ImportRow, actor, known: dict[tuple, Producer], touched: set[int],
               result: ImportResult, update_existing: bool = True) -> None:
    pkey = _producer_key(row.producer)
    producer = known.get(pkey)
    if producer is None:
        producer = producers.create_producer(actor, row.producer)
        producers.verify_producer(actor, producer)
        known[pkey] = producer
        touched.add(producer.id)
        result.producers_created += 1
        result.producer_ids.append(producer.id)
    elif producer.id not in touched and not update_existing:
        touched.add(producer.id)
        result.producer_ids.append(producer.id)
        result.producers_unchanged += 1
    elif producer.id not in touched:
        touched.add(producer.id)
        result.producer_ids.append(producer.id)
        if (producer.kind, producer.household_category) != (row.producer.kind, row.producer.household_category):
            producers.update_producer(actor, producer, producer_data_of(
                producer, kind=row.producer.kind, household_category=row.producer.household_category,
                category_assessed_on=None))  # a changed category is assessed as of the import
            result.producers_updated += 1
        else:
            result.producers_unchanged += 1

    name_key = match_key(row.product.name)
    product = next((p for p in producer.products if match_key(p.name) == name_key), None)
    if product is None:
        product = listings.create_product(actor, producer, row.product)
        if row.certificate is not None:
            certificates.set_certificate(actor, product, row.certificate)
            result.certificates_set += 1
        if row.support_project is not None:
            signals.listing_project_imported.send(actor, product=product, project=row.support_project)
        listings.submit_for_review(actor, product)
        listings.approve_product(actor, product)
        result.products_created += 1
        result.product_ids.append(product.id)
        return
    result.product_ids.append(product.id)
    if not update_existing:
        # Demo data: a listing that exists keeps what sales and staff made of it (stock, projects).
        result.products_unchanged += 1
        return
    if product.status == ProductStatus.ARCHIVED:
        result.products_skipped += 1
        return
    linked = False
    if row.support_project is not None and product.support_project_id != row.support_project.id:
        # The programs domain names the project (and audits it); counted as an update of the listing.
        linked = any(signals.answers(signals.listing_project_imported, actor, product=product,
                                     project=row.support_project))
    new = listings.ProductData(name=product.name, group_id=row.product.group_id, unit=row.product.unit.strip(),
                               price_vnd=row.product.price_vnd, stock=row.product.stock,
                               description=row.product.description.strip())
    changed = (product.group_id, product.unit, product.price_vnd, product.stock, product.description) != (
        new.group_id, new.unit, new.price_vnd, new.stock, new.description)
    if changed:
        listings.update_product(actor, product, new)
    cert_changed = False
    if row.certificate is not None and _certificate_differs(product, row.certificate):
        certificates.set_certificate(actor, product, row.certificate)
        result.certificates_set += 1
        cert_changed = True
    if changed or cert_changed or linked:
        result.products_updated += 1
    else:
        result.products_unchanged += 1


def run_import(data: bytes | str, source: str = "", actor=SYSTEM, dry_run: bool = False,
               project_lookup: ProjectLookup | None = None, update_existing: bool = True) -> ImportResult:
    """Check then write. Raises ImportFailed; the caller commits on success and rolls back on failure."""
    rows = parse(data, project_lookup)
    if dry_run:
        return ImportResult(rows=len(rows))
    return apply(rows, actor, source, update_existing)
