from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

# Groups that make the type of a user (internal, portal, public): never
# reviewed here (removing them changes what the user is, not what he holds).
USER_TYPE_GROUPS = ("base.group_user", "base.group_portal", "base.group_public")


class ControlAccessReview(models.Model):
    """A periodic review of who holds what (回收离职人员权限): one line per
    internal user of the company with the groups he holds, a keep or revoke
    decision each, applied by a controller."""

    _name = "control.access.review"
    _description = "Access Review Campaign"
    _inherit = ["mail.thread", "control.guarded.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    reviewer_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
        tracking=True,
        help="Who decides the lines; his own access is not in the campaign "
        "(another controller reviews it).",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    state = fields.Selection(
        [("draft", "Draft"), ("in_review", "In Review"), ("applied", "Applied")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    line_ids = fields.One2many(
        "control.access.review.line", "review_id", string="Lines"
    )
    line_count = fields.Integer(string="Users", compute="_compute_counts")
    revoke_count = fields.Integer(string="Revoked", compute="_compute_counts")
    applied_by_id = fields.Many2one("res.users", readonly=True)
    applied_date = fields.Datetime(readonly=True)

    def _control_guarded_fields(self):
        fields_ = super()._control_guarded_fields()
        fields_.update(
            dict.fromkeys(("state", "applied_by_id", "applied_date"), "engine")
        )
        return fields_

    def _control_guard_message(self, guard, field_names):
        return self.env._(
            "%(user)s cannot set %(fields)s of access review %(reviews)s: use "
            "Start Review and Apply.",
            user=self.env.user.name,
            fields=", ".join(field_names),
            reviews=", ".join(self.mapped("display_name")) or "-",
        )

    @api.constrains("reviewer_id")
    def _check_reviewer_not_reviewed(self):
        self.line_ids._check_not_reviewer()

    @api.depends("line_ids.decision")
    def _compute_counts(self):
        for review in self:
            review.line_count = len(review.line_ids)
            review.revoke_count = len(
                review.line_ids.filtered(lambda line: line.decision == "revoke")
            )

    # -------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        reviews = super().create(vals_list)
        reviews.filtered(lambda review: not review.line_ids).action_generate_lines()
        return reviews

    def write(self, vals):
        if set(vals) - {"state", "applied_by_id", "applied_date"} and any(
            review.state == "applied" for review in self
        ):
            self._check_not_applied()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_applied(self):
        self._check_not_applied()

    def _check_not_applied(self):
        applied = self.filtered(lambda review: review.state == "applied")
        if applied:
            raise UserError(
                self.env._(
                    "Access review %(reviews)s was already applied: it is kept as "
                    "it is.",
                    reviews=", ".join(applied.mapped("display_name")),
                )
            )

    # ----------------------------------------------------------- actions
    @api.model
    def _check_controller(self):
        if self.env.su or self.env.user.has_group(
            "sales_internal_control.group_control_manager"
        ):
            return True
        raise AccessError(
            self.env._(
                "Only controllers may run access reviews (user %(user)s).",
                user=self.env.user.name,
            )
        )

    @api.model
    def _reviewed_groups(self, user, type_groups):
        """The groups ``user`` holds that no other of his groups implies (what
        was given to him), without the user-type groups."""
        held = user.groups_id
        implied = held.implied_ids
        for group in held:
            implied |= group.trans_implied_ids
        return held - implied - type_groups

    def action_generate_lines(self):
        """(Re)build the lines of draft campaigns: every active internal user
        of the company but the reviewer, with his groups and his last login
        (one grouped read of the logins)."""
        self._check_controller()
        self._check_not_applied()
        type_groups = self.env["res.groups"]
        for xmlid in USER_TYPE_GROUPS:
            type_groups |= self.env.ref(xmlid, raise_if_not_found=False) or type_groups
        Users = self.env["res.users"].sudo()
        for review in self:
            if review.state != "draft":
                raise UserError(
                    self.env._(
                        "Access review %(review)s is %(state)s: its lines are "
                        "generated in draft only.",
                        review=review.display_name,
                        state=dict(
                            review._fields["state"]._description_selection(self.env)
                        )[review.state],
                    )
                )
            users = Users.search(
                [
                    ("share", "=", False),
                    ("company_ids", "in", review.company_id.id),
                    ("id", "!=", review.reviewer_id.id),
                ],
                order="name, id",
            )
            logins = dict(
                self.env["res.users.log"]
                .sudo()
                ._read_group(
                    [("create_uid", "in", users.ids)],
                    ["create_uid"],
                    ["create_date:max"],
                )
            )
            review.line_ids.sudo().unlink()
            review.sudo().write(
                {
                    "line_ids": [
                        Command.create(
                            {
                                "user_id": user.id,
                                "group_ids": [
                                    Command.set(
                                        self._reviewed_groups(user, type_groups).ids
                                    )
                                ],
                                "last_login": logins.get(user),
                            }
                        )
                        for user in users
                    ]
                }
            )
        return True

    def action_start_review(self):
        self._check_controller()
        for review in self:
            if review.state != "draft":
                raise UserError(
                    self.env._(
                        "Access review %(review)s is not a draft.",
                        review=review.display_name,
                    )
                )
        self.sudo().write({"state": "in_review"})
        return True

    def action_apply(self):
        """Remove the groups of the revoked lines from their users (a ``sod``
        log line for each user); return True."""
        self._check_controller()
        for review in self:
            if review.state == "applied":
                raise UserError(
                    self.env._(
                        "Access review %(review)s was already applied on %(date)s "
                        "by %(user)s.",
                        review=review.display_name,
                        date=review.applied_date,
                        user=review.applied_by_id.name,
                    )
                )
        for review in self:
            for line in review.line_ids.filtered(
                lambda line: line.decision == "revoke" and line.group_ids
            ):
                user = line.user_id.sudo()
                held = line.group_ids & user.groups_id
                if held:
                    user.write(
                        {"groups_id": [Command.unlink(group.id) for group in held]}
                    )
                # Odoo gives back a group that another held group implies.
                kept = line.group_ids & user.groups_id
                message = self.env._(
                    "Access review %(review)s: groups %(groups)s of %(user)s "
                    "revoked by %(by)s (%(note)s).",
                    review=review.name,
                    groups=", ".join((held - kept).mapped("full_name")) or "-",
                    user=line.user_id.name,
                    by=self.env.user.name,
                    note=line.note or "-",
                )
                if kept:
                    message += " " + self.env._(
                        "Still held, implied by other groups of the user: %(groups)s.",
                        groups=", ".join(kept.mapped("full_name")),
                    )
                self.env["control.log"]._log(
                    "sod",
                    line.user_id,
                    message,
                    company=review.company_id,
                    control="access_review",
                )
                review._message_log(body=message)
            review.sudo().write(
                {
                    "state": "applied",
                    "applied_by_id": self.env.uid,
                    "applied_date": fields.Datetime.now(),
                }
            )
        return True
