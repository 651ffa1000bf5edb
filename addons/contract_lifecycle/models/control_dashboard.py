from datetime import timedelta

from odoo import api, fields, models

# Running contracts (not yet ended, terminated or replaced by a new version).
RUNNING_STATES = ("signed", "active")
HORIZONS = (30, 60, 90)


class ControlDashboard(models.AbstractModel):
    """Contract section of the dashboard: running contracts ending within 30,
    60 and 90 days, and high-risk contracts (overdue unpaid invoices)."""

    _inherit = "control.dashboard"

    @api.model
    def _dashboard_sections(self, date_from, date_to):
        sections = super()._dashboard_sections(date_from, date_to)
        sections.append(self._dashboard_section_contracts())
        return sections

    @api.model
    def _dashboard_section_contracts(self):
        Contract = self.env["contract.contract"]
        if not Contract.has_access("read"):
            return {}
        today = fields.Date.context_today(self)
        running = [
            ("state", "in", RUNNING_STATES),
            ("company_id", "=", self.env.company.id),
        ]
        ending = [*running, ("date_end", ">=", fields.Date.to_string(today))]
        ends = Contract._read_group(
            [
                *ending,
                ("date_end", "<=", fields.Date.to_string(today + timedelta(days=90))),
            ],
            ["date_end:day"],
            ["__count"],
        )
        tiles = []
        for days in HORIZONS:
            limit = today + timedelta(days=days)
            count = sum(n for day, n in ends if fields.Date.to_date(day) <= limit)
            tiles.append(
                self._dashboard_tile(
                    f"contracts_ending_{days}",
                    self.env._("Ending within %(days)s Days", days=days),
                    count,
                    Contract._name,
                    [*ending, ("date_end", "<=", fields.Date.to_string(limit))],
                    level="orange" if count and days == 30 else "info",
                    views=("list", "kanban", "form"),
                )
            )
        risky = [("company_id", "=", self.env.company.id), ("risk_level", "=", "high")]
        count = Contract.search_count(risky)
        tiles.append(
            self._dashboard_tile(
                "contracts_high_risk",
                self.env._("High-Risk Contracts"),
                count,
                Contract._name,
                risky,
                level="red" if count else "green",
                views=("list", "kanban", "form"),
            )
        )
        return self._dashboard_section(
            "contracts", self.env._("Contracts"), 50, tiles=tiles
        )
