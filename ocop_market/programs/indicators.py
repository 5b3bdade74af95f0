"""The indicator table a province sends for the poverty-reduction programme (biểu chỉ tiêu giám sát, đánh giá):
numbered rows, unit, plan, result, rate, computed from the same Outcome the dashboard and the CSV show, so the
three agree. Pure: no database here.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from . import rules


@dataclass(frozen=True)
class Indicator:
    no: str
    label: str
    unit: str
    result: int | None
    plan: int | None = None

    @property
    def rate_bp(self) -> int | None:
        if self.plan is None or self.result is None:
            return None
        return rules.disbursement_rate_bp(self.result, self.plan)


@dataclass(frozen=True)
class ProjectCounts:
    """What the indicator table needs of the projects themselves (not in Outcome)."""

    projects: int
    value_chain: int
    community: int
    target_households: int


def project_counts(forms: Iterable[str], targets: Iterable[int]) -> ProjectCounts:
    forms = list(forms)
    return ProjectCounts(len(forms), forms.count("value_chain"), forms.count("community"), sum(targets))


HOUSEHOLD, PROJECT, VND, PRODUCT, ORDER = _l("hộ"), _l("dự án"), _l("đồng"), _l("sản phẩm"), _l("đơn")


def indicator_rows(o: rules.Outcome, counts: ProjectCounts) -> list[Indicator]:
    em, wh = o.breakdown.get("ethnic_minority") or rules.Breakdown(), o.breakdown.get("woman_headed") or rules.Breakdown()
    rows = [
        Indicator("1", str(_l("Dự án hỗ trợ phát triển sản xuất")), str(PROJECT), counts.projects),
        Indicator("1.1", str(_l("Dự án liên kết chuỗi giá trị")), str(PROJECT), counts.value_chain),
        Indicator("1.2", str(_l("Dự án phát triển sản xuất cộng đồng")), str(PROJECT), counts.community),
        Indicator("2", str(_l("Hộ tham gia dự án")), str(HOUSEHOLD), o.households, counts.target_households),
        Indicator("2.1", str(_l("Hộ nghèo khi tham gia")), str(HOUSEHOLD), o.category_counts_joining.get("poor", 0)),
        Indicator("2.2", str(_l("Hộ cận nghèo khi tham gia")), str(HOUSEHOLD),
                  o.category_counts_joining.get("near_poor", 0)),
        Indicator("2.3", str(_l("Hộ mới thoát nghèo khi tham gia")), str(HOUSEHOLD),
                  o.category_counts_joining.get("escaped", 0)),
        Indicator("2.4", str(_l("Hộ dân tộc thiểu số")), str(HOUSEHOLD), em.households),
        Indicator("2.5", str(_l("Hộ do phụ nữ làm chủ")), str(HOUSEHOLD), wh.households),
        Indicator("3", str(_l("Hộ thoát nghèo")), str(HOUSEHOLD), o.escaped_poverty),
        Indicator("3.1", str(_l("trong đó: nay là hộ cận nghèo")), str(HOUSEHOLD), o.poor_to_near_poor),
        Indicator("3.2", str(_l("trong đó: hộ dân tộc thiểu số")), str(HOUSEHOLD), em.escaped_poverty),
        Indicator("3.3", str(_l("trong đó: hộ do phụ nữ làm chủ")), str(HOUSEHOLD), wh.escaped_poverty),
        Indicator("4", str(_l("Hộ thoát cận nghèo")), str(HOUSEHOLD), o.escaped_near_poverty),
        Indicator("5", str(_l("Hộ tái nghèo")), str(HOUSEHOLD), o.fell_back),
        Indicator("6", str(_l("Hộ phát sinh nghèo")), str(HOUSEHOLD), o.newly_poor),
    ]
    for no, source, label in (("7", "central", _l("Vốn ngân sách trung ương (NSTW) giải ngân")),
                              ("8", "local", _l("Vốn ngân sách địa phương (NSĐP) giải ngân"))):
        line = o.plan.get(source)
        rows.append(Indicator(no, str(label), str(VND), line.disbursed_vnd if line else 0,
                              line.plan_total_vnd if line else None))
        rows.append(Indicator(f"{no}.1", str(_l("trong đó: vốn năm trước chuyển sang (kế hoạch)")), str(VND),
                              None, line.carried_over_vnd if line else None))
    rows += [
        Indicator("9", str(_l("Vốn vay Ngân hàng Chính sách xã hội (không tính vào tỷ lệ)")), str(VND),
                  o.apart_disbursed_vnd.get("policy_credit", 0)),
        Indicator("10", str(_l("Vốn đối ứng của người dân (không tính vào tỷ lệ)")), str(VND),
                  o.apart_disbursed_vnd.get("people", 0)),
        Indicator("11", str(_l("Vốn doanh nghiệp, đơn vị chủ trì (không tính vào tỷ lệ)")), str(VND),
                  o.apart_disbursed_vnd.get("enterprise", 0)),
        Indicator("12", str(_l("Sản phẩm OCOP của hộ được hỗ trợ đang bán")), str(PRODUCT), o.active_listings),
        Indicator("13", str(_l("Doanh thu đơn đã giao trong kỳ")), str(VND), o.revenue_vnd),
        Indicator("13.1", str(_l("trong đó: hộ dân tộc thiểu số")), str(VND), em.revenue_vnd),
        Indicator("13.2", str(_l("trong đó: hộ do phụ nữ làm chủ")), str(VND), wh.revenue_vnd),
        Indicator("14", str(_l("Đơn hàng đã giao trong kỳ")), str(ORDER), o.orders),
        Indicator("15", str(_l("Hộ có đơn bán trong kỳ")), str(HOUSEHOLD), o.households_with_sales),
    ]
    return rows
