"""What an import is made of: a checked row, a row's error, the refusal of a file, the counts of a run, and the
actor when nobody is named.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...accounts.models import Role
from ...text import canonical, fold
from .. import certificates, listings, producers

#: A function from a support-project code to the project, or None when unknown.
ProjectLookup = Callable[[str], Any]


class SystemActor:
    """The programme itself acting from the command line (imports, demo data) when no staff account is named.

    It has no account: audit rows and "verified by" stay empty. It passes the staff checks of the services
    because its role is admin; web views never see it, they always pass `current_user`.
    """

    id = None
    role = Role.ADMIN
    is_staff = True
    is_commune_officer = False
    commune_id = None
    display_name = "Hệ thống"

    def may_review(self, commune_id: int | None) -> bool:
        return True

    def __repr__(self) -> str:
        return "<SystemActor>"

SYSTEM = SystemActor()


@dataclass(frozen=True)
class RowError:
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"Dòng {self.line}" if self.line is not None else "Tệp"
        if self.column:
            where += f", cột {self.column}"
        return f"{where}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} lỗi")
        self.errors = errors


@dataclass
class ImportRow:
    line: int
    producer: producers.ProducerData
    product: listings.ProductData
    certificate: certificates.CertificateData | None
    support_project: Any = None
    support_project_code: str = ""


@dataclass
class ImportResult:
    rows: int = 0
    producers_created: int = 0
    producers_updated: int = 0
    producers_unchanged: int = 0
    products_created: int = 0
    products_updated: int = 0
    products_unchanged: int = 0
    #: archived listings the file mentions; they are left as they are
    products_skipped: int = 0
    certificates_set: int = 0
    producer_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.producers_created or self.producers_updated or self.products_created
                    or self.products_updated or self.certificates_set)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


def match_key(s: str) -> str:
    return " ".join(canonical(s).split())


def folded_key(s: str) -> str:
    return " ".join(fold(s).replace("-", " ").replace("–", " ").split())
