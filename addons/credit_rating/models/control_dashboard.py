from odoo import api, models
from odoo.tools import SQL

from ..report.credit_aging_report import AGE_BUCKETS

# Share of the credit limit from which a customer is shown as near it.
NEAR_LIMIT = 0.9
AGE_LEVELS = {
    "not_due": "green",
    "1_30": "yellow",
    "31_60": "orange",
    "61_90": "red",
    "90_plus": "red",
}
GRADE_LEVELS = {"A": "green", "B": "yellow", "C": "orange", "D": "red"}


class ControlDashboard(models.AbstractModel):
    """Credit section of the dashboard: exposure by grade, customers near
    their limit and overdue receivables from the credit check's exposure
    buckets (``_credit_exposure_query``), the aging from the receivables aging
    report (both on the one definition of open and overdue of
    ``credit_open_items``), customers at each dunning level."""

    _inherit = "control.dashboard"

    @api.model
    def _dashboard_sections(self, date_from, date_to):
        sections = super()._dashboard_sections(date_from, date_to)
        sections.append(self._dashboard_section_credit())
        return sections

    @api.model
    def _dashboard_section_credit(self):
        tiles, charts = [], []
        company = self.env.company
        Exposure = self.env["credit.exposure.report"]
        if Exposure.has_access("read"):
            tiles, charts = self._dashboard_credit_exposure(Exposure, company)
        Aging = self.env["credit.aging.report"]
        if Aging.has_access("read"):
            aging_tiles, aging_charts = self._dashboard_credit_aging(Aging, company)
            tiles += aging_tiles
            charts += aging_charts
        return self._dashboard_section(
            "credit", self.env._("Credit"), 30, tiles=tiles, charts=charts
        )

    @api.model
    def _dashboard_credit_exposure(self, Exposure, company):
        """Exposure by grade, customers near their limit and the overdue
        receivables: one query, the customers' exposure buckets of
        ``_credit_exposure_query`` (the credit check's own), by customer."""
        self.env.flush_all()
        key = str(company.id)
        rows = self.env.execute_query(
            SQL(
                """
                WITH e AS (
                    SELECT partner_id, SUM(amount) AS exposure,
                           SUM(overdue) AS overdue
                      FROM (%(exposure)s) AS b(bucket, partner_id, amount, overdue)
                  GROUP BY partner_id
                )
                SELECT e.partner_id, e.exposure, e.overdue,
                       p.credit_grade ->> %(key)s,
                       COALESCE((p.credit_limit ->> %(key)s)::float, 0)
                  FROM e
                  JOIN res_partner p ON p.id = e.partner_id
                """,
                exposure=self.env["res.partner"]._credit_exposure_query(company),
                key=key,
            )
        )
        by_grade, near, overdue = {}, [], 0.0
        for pid, exposure, partner_overdue, grade, limit in rows:
            by_grade[grade or False] = by_grade.get(grade or False, 0.0) + exposure
            overdue += partner_overdue or 0.0
            if limit > 0 and exposure >= NEAR_LIMIT * limit:
                near.append(pid)
        domain = [("company_id", "=", company.id)]
        grades = [grade for grade, _label in Exposure._fields["credit_grade"].selection]
        points, actions = [], []
        for grade in [*grades, False]:
            if grade is False and not by_grade.get(False):
                continue
            label = grade or self.env._("Not Graded")
            value = company.currency_id.round(by_grade.get(grade) or 0.0)
            points.append((label, value, GRADE_LEVELS.get(grade, "muted")))
            actions.append(
                self._dashboard_action(
                    self.env._("Credit Exposure: %(grade)s", grade=label),
                    Exposure._name,
                    [*domain, ("credit_grade", "=", grade)],
                    ("list", "pivot"),
                )
            )
        total = company.currency_id.round(sum(by_grade.values()))
        overdue = company.currency_id.round(overdue)
        share = f"{NEAR_LIMIT:.0%}"
        tiles = [
            self._dashboard_tile(
                "credit_exposure",
                self.env._("Credit Exposure"),
                total,
                Exposure._name,
                domain,
                display=self._dashboard_money(total),
                views=("list", "pivot"),
            ),
            self._dashboard_tile(
                "credit_near_limit",
                self.env._("Customers over %(share)s of Their Limit", share=share),
                len(near),
                "res.partner",
                [("id", "in", near)],
                level="red" if near else "green",
                views=("list", "form"),
            ),
            self._dashboard_tile(
                "receivables_overdue",
                self.env._("Overdue Receivables"),
                overdue,
                "credit.aging.report",
                [*domain, ("age", "!=", "not_due")],
                display=self._dashboard_money(overdue),
                level="orange" if overdue else "green",
                views=("list", "pivot"),
            ),
        ]
        charts = [
            self._dashboard_chart(
                "exposure_by_grade",
                self.env._("Exposure by Grade"),
                "bar",
                points,
                actions,
            )
        ]
        return tiles, charts

    @api.model
    def _dashboard_credit_aging(self, Aging, company):
        """The aging buckets (one grouped read of the aging report) and the
        customers at each dunning level (one grouped read of the customers)."""
        domain = [("company_id", "=", company.id)]
        by_age = dict(Aging._read_group(domain, ["age"], ["amount_open:sum"]))
        points, actions = [], []
        labels = dict(Aging._fields["age"]._description_selection(self.env))
        for age, _label in AGE_BUCKETS:
            points.append((labels[age], by_age.get(age) or 0.0, AGE_LEVELS[age]))
            actions.append(
                self._dashboard_action(
                    self.env._("Receivables Aging: %(age)s", age=labels[age]),
                    Aging._name,
                    [*domain, ("age", "=", age)],
                    ("list", "pivot"),
                )
            )
        over_90 = by_age.get("90_plus") or 0.0
        tiles = [
            self._dashboard_tile(
                "receivables_90_plus",
                self.env._("Overdue 90+ Days"),
                over_90,
                Aging._name,
                [*domain, ("age", "=", "90_plus")],
                display=self._dashboard_money(over_90),
                level="red" if over_90 else "green",
                views=("list", "pivot"),
            ),
        ]
        Partner = self.env["res.partner"].with_company(company)
        levels = Partner._read_group(
            [("dunning_level_id", "!=", False)], ["dunning_level_id"], ["__count"]
        )
        for level, count in levels:
            tiles.append(
                self._dashboard_tile(
                    f"dunning_level_{level.id}",
                    self.env._("Dunning: %(level)s", level=level.display_name),
                    count,
                    Partner._name,
                    [("dunning_level_id", "=", level.id)],
                    level="orange",
                    views=("list", "form"),
                )
            )
        charts = [
            self._dashboard_chart(
                "receivables_aging",
                self.env._("Receivables Aging"),
                "bar",
                points,
                actions,
            )
        ]
        return tiles, charts
