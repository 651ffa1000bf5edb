from odoo import api, fields, models
from odoo.exceptions import ValidationError

RISK_LEVELS = [("medium", "Medium"), ("high", "High"), ("critical", "Critical")]


class ControlSodFunction(models.Model):
    """A business function: holding any of its groups (directly or through
    an implied group: Odoo keeps the implied groups of a user in the user's
    groups) means holding the function."""

    _name = "control.sod.function"
    _description = "Segregation of Duties Function"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    group_ids = fields.Many2many(
        "res.groups",
        "control_sod_function_group_rel",
        "function_id",
        "group_id",
        string="Groups",
    )
    description = fields.Text()

    @api.constrains("group_ids", "active")
    def _check_groups(self):
        for function in self:
            if function.active and not function.group_ids:
                raise ValidationError(
                    self.env._(
                        "The function %(function)s needs at least one group.",
                        function=function.display_name,
                    )
                )


class ControlSodRisk(models.Model):
    """Two functions one user should not hold together."""

    _name = "control.sod.risk"
    _description = "Segregation of Duties Risk"
    _order = "level desc, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    function_a_id = fields.Many2one(
        "control.sod.function", required=True, ondelete="restrict", check_company=True
    )
    function_b_id = fields.Many2one(
        "control.sod.function", required=True, ondelete="restrict", check_company=True
    )
    level = fields.Selection(RISK_LEVELS, required=True, default="high")
    enforce = fields.Boolean(
        help="Refuse to give a user the groups that make them hold both "
        "functions, unless a controller recorded a valid mitigation."
    )
    description = fields.Text()
    conflict_count = fields.Integer(compute="_compute_conflict_count")

    @api.constrains("function_a_id", "function_b_id")
    def _check_functions(self):
        for risk in self:
            if risk.function_a_id == risk.function_b_id:
                raise ValidationError(
                    self.env._(
                        "The risk %(risk)s pairs the function %(function)s with "
                        "itself: choose two different functions.",
                        risk=risk.display_name,
                        function=risk.function_a_id.display_name,
                    )
                )

    def _compute_conflict_count(self):
        groups = self.env["control.sod.conflict"]._read_group(
            [("risk_id", "in", self.ids), ("state", "=", "open")],
            ["risk_id"],
            ["__count"],
        )
        counts = {risk.id: count for risk, count in groups}
        for risk in self:
            risk.conflict_count = counts.get(risk.id, 0)

    def action_analyze(self):
        """The number of open conflicts of these risks (all the risks of the
        user's companies when called on none), from one query on the live
        conflict report."""
        domain = [("state", "=", "open")]
        if self:
            domain.append(("risk_id", "in", self.ids))
        return self.env["control.sod.conflict"].search_count(domain)

    def action_open_conflicts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_internal_control.control_sod_conflict_action"
        )
        action["domain"] = [("risk_id", "=", self.id)]
        return action


class ControlSodMitigation(models.Model):
    """A controller's documented acceptance of a user holding a risk, until
    an end date."""

    _name = "control.sod.mitigation"
    _description = "Segregation of Duties Mitigation"
    _order = "date_end desc, id desc"
    _check_company_auto = True

    risk_id = fields.Many2one(
        "control.sod.risk", required=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(
        related="risk_id.company_id", store=True, index=True, readonly=True
    )
    user_id = fields.Many2one("res.users", required=True, ondelete="cascade")
    reason = fields.Text(required=True)
    approved_by_id = fields.Many2one(
        "res.users",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        ondelete="restrict",
        help="The controller who recorded the mitigation.",
    )
    date_end = fields.Date(string="Valid Until", required=True)
    active = fields.Boolean(default=True)
    valid = fields.Boolean(compute="_compute_valid")

    @api.depends("risk_id", "user_id")
    def _compute_display_name(self):
        for mitigation in self:
            mitigation.display_name = (
                f"{mitigation.risk_id.name or ''} / {mitigation.user_id.name or ''}"
            )

    @api.depends("active", "date_end")
    def _compute_valid(self):
        today = fields.Date.context_today(self)
        for mitigation in self:
            mitigation.valid = bool(
                mitigation.active
                and mitigation.date_end
                and mitigation.date_end >= today
            )

    @api.constrains("user_id", "approved_by_id", "reason", "date_end")
    def _check_approval(self):
        controllers = self.env.ref("sales_internal_control.group_control_manager")
        for mitigation in self:
            if not (mitigation.reason or "").strip():
                raise ValidationError(
                    self.env._(
                        "The mitigation of %(risk)s for %(user)s needs a reason.",
                        risk=mitigation.risk_id.display_name,
                        user=mitigation.user_id.display_name,
                    )
                )
            if mitigation.approved_by_id == mitigation.user_id:
                raise ValidationError(
                    self.env._(
                        "%(user)s cannot approve a mitigation of %(risk)s for "
                        "themselves.",
                        user=mitigation.user_id.display_name,
                        risk=mitigation.risk_id.display_name,
                    )
                )
            if controllers not in mitigation.approved_by_id.groups_id:
                raise ValidationError(
                    self.env._(
                        "Only a controller may approve the mitigation of %(risk)s "
                        "for %(user)s (%(approver)s is not one).",
                        risk=mitigation.risk_id.display_name,
                        user=mitigation.user_id.display_name,
                        approver=mitigation.approved_by_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("date_end") or not str(vals.get("reason") or "").strip():
                raise ValidationError(
                    self.env._(
                        "A mitigation needs a reason and an end date (got reason "
                        "%(reason)r, end date %(date)r).",
                        reason=vals.get("reason"),
                        date=vals.get("date_end"),
                    )
                )
        # The approver is whoever records the mitigation, never someone named.
        if not self.env.su:
            vals_list = [dict(vals, approved_by_id=self.env.uid) for vals in vals_list]
        mitigations = super().create(vals_list)
        for mitigation in mitigations:
            self.env["control.log"]._log(
                "sod",
                mitigation.user_id,
                self.env._(
                    "Mitigation of %(risk)s for %(user)s until %(date)s, approved "
                    "by %(approver)s: %(reason)s",
                    risk=mitigation.risk_id.display_name,
                    user=mitigation.user_id.display_name,
                    date=mitigation.date_end,
                    approver=mitigation.approved_by_id.display_name,
                    reason=mitigation.reason,
                ),
                company=mitigation.company_id,
                control="sod",
            )
        return mitigations

    def write(self, vals):
        """A mitigation is ended (archived, or an earlier end date), never
        re-pointed or extended: a new one is recorded instead."""
        if not self.env.su:
            for mitigation in self:
                changed = set(vals) - {"active", "date_end"}
                if "date_end" in vals and (
                    not vals["date_end"]
                    or fields.Date.to_date(vals["date_end"]) > mitigation.date_end
                ):
                    changed.add("date_end")
                if changed:
                    raise ValidationError(
                        self.env._(
                            "The mitigation of %(risk)s for %(user)s can only be "
                            "ended (archived or given an earlier end date than "
                            "%(date)s); record a new one instead.",
                            risk=mitigation.risk_id.display_name,
                            user=mitigation.user_id.display_name,
                            date=mitigation.date_end,
                        )
                    )
        result = super().write(vals)
        for mitigation in self:
            self.env["control.log"]._log(
                "sod",
                mitigation.user_id,
                self.env._(
                    "Mitigation of %(risk)s for %(user)s changed by %(actor)s: valid "
                    "until %(date)s, active: %(active)s.",
                    risk=mitigation.risk_id.display_name,
                    user=mitigation.user_id.display_name,
                    actor=self.env.user.display_name,
                    date=mitigation.date_end,
                    active=mitigation.active,
                ),
                company=mitigation.company_id,
                control="sod",
            )
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise ValidationError(
            self.env._(
                "Mitigations %(mitigations)s are part of the audit trail: archive "
                "them instead.",
                mitigations=", ".join(self.mapped("display_name")),
            )
        )
