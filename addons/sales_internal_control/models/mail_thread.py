from odoo import models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        """Outcomes of the controls (``control_notify_inbox``, set by
        ``control.approval.mixin._approval_notify_requester``) reach internal
        users without an e-mail address in their Odoo inbox: an e-mail could
        not be sent to them. Others keep their own preference."""
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        if not self.env.context.get("control_notify_inbox"):
            return recipients
        by_email = [r for r in recipients if r["notif"] == "email" and not r["share"]]
        if by_email:
            partners = (
                self.env["res.partner"].sudo().browse([r["id"] for r in by_email])
            )
            without = set(partners.filtered(lambda p: not p.email).ids)
            for recipient in by_email:
                if recipient["id"] in without:
                    recipient["notif"] = "inbox"
        return recipients
