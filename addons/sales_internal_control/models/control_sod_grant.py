"""Giving groups, whichever way (a user's groups on the user form or over
RPC, a group's users, a group's implied groups, a new user or group), meets
the segregation-of-duties matrix: the risks it opens are compared before and
after, in two queries on the live conflict report."""

from odoo import api, models

# res.users values that change what a user holds (the form's group
# check boxes and selections are reified fields).
USER_KEYS = ("groups_id", "active", "company_ids", "share")
REIFIED_PREFIXES = ("in_group_", "sel_groups_")


def _changes_groups(vals):
    return any(key in USER_KEYS or key.startswith(REIFIED_PREFIXES) for key in vals)


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        self.env["control.sod.conflict"]._check_grants({}, users.ids)
        return users

    def write(self, vals):
        if not _changes_groups(vals):
            return super().write(vals)
        Conflict = self.env["control.sod.conflict"]
        before = Conflict._conflicts_of(self.ids)
        result = super().write(vals)
        Conflict._check_grants(before, self.ids)
        return result


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
