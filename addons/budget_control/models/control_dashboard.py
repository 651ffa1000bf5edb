from odoo import api, models
from odoo.tools import format_amount


class ControlDashboard(models.AbstractModel):
    """Budget section of the dashboard: every confirmed budget of the period
    with its level and progress, from the budget's own consumption figures
    (computed for all the budgets at once: one query for the actuals, one
    for the commitments)."""

    _inherit = "control.dashboard"

    @api.model
    def _dashboard_sections(self, date_from, date_to):
        sections = super()._dashboard_sections(date_from, date_to)
        sections.append(self._dashboard_section_budgets(date_from, date_to))
        return sections

    @api.model
    def _dashboard_section_budgets(self, date_from, date_to):
        Budget = self.env["control.budget"]
        if not Budget.has_access("read"):
            return {}
        domain = [
            ("state", "=", "confirmed"),
            ("company_id", "=", self.env.company.id),
            ("date_from", "<=", date_to),
            ("date_to", ">=", date_from),
        ]
        budgets = Budget.search(domain, order="date_from, name, id")
        labels = dict(Budget._fields["alert_level"]._description_selection(self.env))
        items = []
        by_level = dict.fromkeys(labels, Budget)
        for budget in budgets:
            level = budget.alert_level or "green"
            by_level[level] |= budget
            items.append(
                {
                    "id": budget.id,
                    "name": budget.display_name,
                    "level": level,
                    "level_label": labels[level],
                    "pct": round(budget.consumed_pct, 1),
                    "amount": budget.amount,
                    "consumed": budget.consumed_amount,
                    "display": self.env._(
                        "%(consumed)s of %(amount)s",
                        consumed=format_amount(
                            self.env, budget.consumed_amount, budget.currency_id
                        ),
                        amount=format_amount(
                            self.env, budget.amount, budget.currency_id
                        ),
                    ),
                    "action": {
                        "type": "ir.actions.act_window",
                        "name": budget.display_name,
                        "res_model": Budget._name,
                        "res_id": budget.id,
                        "views": [[False, "form"]],
                        "target": "current",
                    },
                }
            )
        tiles = [
            self._dashboard_tile(
                f"budgets_{level}",
                self.env._("Budgets: %(level)s", level=labels[level]),
                len(by_level[level]),
                Budget._name,
                [("id", "in", by_level[level].ids)],
                level=level,
                views=("list", "form"),
            )
            for level in ("red", "orange", "yellow", "green")
        ]
        section = self._dashboard_section(
            "budgets", self.env._("Budgets"), 40, tiles=tiles
        )
        section["items"] = items
        return section
