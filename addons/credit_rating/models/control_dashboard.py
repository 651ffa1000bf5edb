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
    their limit, overdue receivables and the aging, from the credit check's
    exposure buckets (``_credit_exposure_query``) by aging bucket (the one
    definition of open and overdue of ``credit_open_items``, as the aging
    report), customers at each dunning level."""

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
        Aging = self.env["credit.aging.report"]
        see_exposure = Exposure.has_access("read")
        see_aging = Aging.has_access("read")
        if see_exposure or see_aging:
            by_partner, by_age = self._dashboard_credit_figures(company)
        if see_exposure:
            tiles, charts = self._dashboard_credit_exposure(
                Exposure, company, by_partner
            )
        if see_aging:
            aging_tiles, aging_charts = self._dashboard_credit_aging(
                Aging, company, by_age
            )
            tiles += aging_tiles
            charts += aging_charts
        return self._dashboard_section(
            "credit", self.env._("Credit"), 30, tiles=tiles, charts=charts
        )

    @api.model
    def _dashboard_credit_figures(self, company):
        """The customers' exposure and the receivables aging in one query:
        the credit check's exposure buckets (``_credit_exposure_query``) with
        the receivables by aging bucket as of the database's day, as the
        aging report the tiles open (so overdue is what that report shows
        past due).

        :return: ``({partner id: (exposure, overdue, grade, limit)},
            {age: open amount})``
        """
        self.env.flush_all()
        key = str(company.id)
        rows = self.env.execute_query(
            SQL(
                """
                WITH e AS (
                    SELECT * FROM (%(exposure)s)
                        AS b(bucket, partner_id, amount, overdue, age)
                ), by_partner AS (
                    SELECT partner_id, SUM(amount) AS exposure,
                           SUM(overdue) AS overdue
                      FROM e
                  GROUP BY partner_id
                )
                SELECT b.partner_id, NULL, b.exposure, b.overdue,
                       p.credit_grade ->> %(key)s,
                       COALESCE((p.credit_limit ->> %(key)s)::float, 0)
                  FROM by_partner b
                  JOIN res_partner p ON p.id = b.partner_id
                 UNION ALL
                SELECT NULL, age, SUM(amount), 0, NULL, NULL
                  FROM e
                 WHERE bucket = 'receivable'
              GROUP BY age
                """,
                exposure=self.env["res.partner"]._credit_exposure_query(
                    company, today=SQL("CURRENT_DATE"), by_age=True
                ),
                key=key,
            )
        )
        by_partner, by_age = {}, {}
        for pid, age, amount, overdue, grade, limit in rows:
            if pid is None:
                by_age[age] = amount
            else:
                by_partner[pid] = (amount, overdue, grade, limit)
        return by_partner, by_age

    @api.model
    def _dashboard_credit_exposure(self, Exposure, company, by_partner):
        """Exposure by grade, customers near their limit and the overdue
        receivables, from the customers' figures of
        :meth:`_dashboard_credit_figures`."""
        by_grade, near, overdue = {}, [], 0.0
        for pid, (exposure, partner_overdue, grade, limit) in by_partner.items():
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
    def _dashboard_credit_aging(self, Aging, company, by_age):
        """The aging buckets (``{age: open amount}`` of
        :meth:`_dashboard_credit_figures`) and the customers at each dunning
        level (one grouped read of the customers)."""
        domain = [("company_id", "=", company.id)]
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
