"""Groups: giving a group users or implied groups meets the
segregation-of-duties matrix, as giving a user groups does (res_users.py)."""

from odoo import api, models


class ResGroups(models.Model):
    _inherit = "res.groups"

    @api.model_create_multi
    def create(self, vals_list):
        if not any(vals.get("users") or vals.get("implied_ids") for vals in vals_list):
            return super().create(vals_list)
        Conflict = self.env["control.sod.conflict"]
        before = Conflict._conflicts_of()
        groups = super().create(vals_list)
        Conflict._check_grants(before)
        return groups

    def write(self, vals):
        if not (vals.get("users") or vals.get("implied_ids")):
            return super().write(vals)
        # Implied groups reach every user of every group implying these: the
        # whole report is compared (one query each side).
        Conflict = self.env["control.sod.conflict"]
        before = Conflict._conflicts_of()
        result = super().write(vals)
        Conflict._check_grants(before)
        return result
