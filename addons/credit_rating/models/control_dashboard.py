from odoo import api, models

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
    their limit, receivables aging and dunning levels, read from the credit
    exposure and aging reports (the one definition of open and overdue of
    ``credit_open_items``) and from ``_credit_exposure_data``."""

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
        domain = [("company_id", "=", company.id)]
        by_grade = dict(Exposure._read_group(domain, ["credit_grade"], ["amount:sum"]))
        grades = [grade for grade, _label in Exposure._fields["credit_grade"].selection]
        points, actions = [], []
        for grade in [*grades, False]:
            if grade is False and not by_grade.get(False):
                continue
            label = grade or self.env._("Not Graded")
            grade_domain = [*domain, ("credit_grade", "=", grade)]
            points.append(
                (label, by_grade.get(grade) or 0.0, GRADE_LEVELS.get(grade, "muted"))
            )
            actions.append(
                self._dashboard_action(
                    self.env._("Credit Exposure: %(grade)s", grade=label),
                    Exposure._name,
                    grade_domain,
                    ("list", "pivot"),
                )
            )
        total = sum(by_grade.values())
        near = self._dashboard_credit_near_limit(company)
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
                self.env._(
                    "Customers over %(share)s of Their Limit",
                    share=share,
                ),
                len(near),
                "res.partner",
                [("id", "in", near)],
                level="red" if near else "green",
                views=("list", "form"),
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
    def _dashboard_credit_near_limit(self, company):
        """Ids of the customers whose exposure reaches 90 % of their limit:
        one search of the customers with a limit, one grouped query of their
        exposure (``_credit_exposure_data``)."""
        Partner = self.env["res.partner"].with_company(company)
        limited = Partner.sudo().search([("credit_limit", ">", 0)])
        customers = Partner.search([("id", "in", limited.commercial_partner_id.ids)])
        data = customers._credit_exposure_data()
        limits = dict(
            zip(customers.ids, customers.sudo().mapped("credit_limit"), strict=True)
        )
        return [
            pid
            for pid, values in data.items()
            if limits.get(pid) and values["exposure"] >= NEAR_LIMIT * limits[pid]
        ]

    @api.model
    def _dashboard_credit_aging(self, Aging, company):
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
        overdue = sum(
            amount or 0.0 for age, amount in by_age.items() if age != "not_due"
        )
        over_90 = by_age.get("90_plus") or 0.0
        levels = Aging._read_group(
            [*domain, ("dunning_level_id", "!=", False)],
            ["dunning_level_id"],
            ["partner_id:count_distinct"],
        )
        tiles = [
            self._dashboard_tile(
                "receivables_overdue",
                self.env._("Overdue Receivables"),
                overdue,
                Aging._name,
                [*domain, ("age", "!=", "not_due")],
                display=self._dashboard_money(overdue),
                level="orange" if overdue else "green",
                views=("list", "pivot"),
            ),
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
        for level, count in levels:
            tiles.append(
                self._dashboard_tile(
                    f"dunning_level_{level.id}",
                    self.env._("Dunning: %(level)s", level=level.display_name),
                    count,
                    Aging._name,
                    [*domain, ("dunning_level_id", "=", level.id)],
                    level="orange",
                    views=("list", "pivot"),
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
