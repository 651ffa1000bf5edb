"""Users: giving groups (the user form, RPC, a new user) meets the
segregation-of-duties matrix (the risks it opens are compared before and
after, in two queries on the live conflict report); archiving a user hands
their pending approvals to the tier's group."""

from odoo import api, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

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
        leaving = (
            self.filtered("active") if "active" in vals and not vals["active"] else None
        )
        if _changes_groups(vals):
            Conflict = self.env["control.sod.conflict"]
            before = Conflict._conflicts_of(self.ids)
            result = super().write(vals)
            Conflict._check_grants(before, self.ids)
        else:
            result = super().write(vals)
        if leaving:
            leaving._access_reassign_approvals()
        return result

    def _access_reassign_approvals(self):
        """Hand the pending approval requests naming these (archived) users
        to their tier's group (the controllers when the tier has none), tell
        the new approvers and log each (``sod``): one search, one write per
        target group."""
        Request = self.env["control.approval.request"].sudo()
        requests = Request.search(
            [("user_id", "in", self.ids), ("state", "in", ("waiting", "pending"))]
        )
        if not requests:
            return True
        controllers = self.env.ref("sales_internal_control.group_control_manager")
        by_group = {}
        for request in requests:
            group = request.group_id or request.tier_id.group_id or controllers
            by_group.setdefault(group, Request.browse())
            by_group[group] |= request
        former = {request: request.user_id for request in requests}
        for group, group_requests in by_group.items():
            group_requests.write({"user_id": False, "group_id": group.id})
        activity_type = self.env.ref(
            "sales_internal_control.mail_activity_type_approval"
        )
        for request in requests:
            message = self.env["control.log"]._text(
                _lt(
                    "%(user)s was archived: the approval of %(document)s (%(tier)s) "
                    "goes to the group %(group)s, by %(by)s.",
                    user=former[request].name,
                    document=request.res_name,
                    tier=request.tier_name,
                    group=request.group_id.full_name,
                    by=self.env.user.name,
                )
            )
            document = request._get_document().exists()
            self.env["control.log"]._log(
                "sod",
                document or request,
                message,
                amount=request.amount,
                company=request.company_id,
                control="access_review",
            )
            if document and "activity_ids" in document._fields:
                document.activity_ids.filtered(
                    lambda activity, user=former[request]: (
                        activity.activity_type_id == activity_type
                        and activity.user_id == user
                    )
                ).sudo().unlink()
                if request.state == "pending" and hasattr(
                    document, "_approval_schedule_activities"
                ):
                    document._approval_schedule_activities(request)
        return True
