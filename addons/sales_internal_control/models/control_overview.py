from datetime import timedelta

from odoo import api, fields, models


class ControlOverview(models.TransientModel):
    """The Internal Control app's overview: what waits for whom, what was blocked."""

    _name = "control.overview"
    _description = "Internal Control Overview"

    my_request_ids = fields.Many2many(
        "control.approval.request",
        compute="_compute_overview",
        string="My Approvals",
    )
    my_request_count = fields.Integer(compute="_compute_overview")
    waiting_request_ids = fields.Many2many(
        "control.approval.request",
        compute="_compute_overview",
        string="Documents Waiting",
    )
    waiting_request_count = fields.Integer(compute="_compute_overview")
    recent_log_ids = fields.Many2many(
        "control.log",
        compute="_compute_recent_logs",
        string="Recent Blocks and Overrides",
        groups="sales_internal_control.group_control_manager",
    )

    @api.depends_context("uid")
    def _compute_overview(self):
        Request = self.env["control.approval.request"]
        mine = Request.search([("can_decide", "=", True)])
        waiting = Request.search([("state", "=", "pending")], limit=200)
        for overview in self:
            overview.my_request_ids = mine
            overview.my_request_count = len(mine)
            overview.waiting_request_ids = waiting
            overview.waiting_request_count = len(waiting)

    def _compute_recent_logs(self):
        since = fields.Datetime.now() - timedelta(days=30)
        logs = self.env["control.log"].search(
            [
                ("event", "in", ("blocked", "override", "emergency_approved")),
                ("date", ">=", since),
            ],
            limit=50,
        )
        for overview in self:
            overview.recent_log_ids = logs

    @api.model
    def action_open(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Overview"),
            "res_model": self._name,
            "res_id": self.create({}).id,
            "view_mode": "form",
            "target": "current",
        }
