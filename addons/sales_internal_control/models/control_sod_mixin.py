from odoo import models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class ControlSodMixin(models.AbstractModel):
    """Transaction rules of segregation of duties, run by the approval engine.

    The approval mixin calls :meth:`_sod_check_user` in its state-transition
    hook (every way of posting: the user who posts) and when a user decides
    an approval request of the document (the user who approves). A document
    type says which of its users a rule keeps away in
    :meth:`_sod_conflicts` (vendor bills, payments); the rules are company
    settings, off until a company opts in, and apply to everyone, the
    administrator included.
    """

    _name = "control.sod.mixin"
    _description = "Segregation of Duties Transaction Rules"

    def _sod_conflicts(self, user):
        """``[(document, reason)]``: the transaction rules ``user`` would
        break by posting or approving these documents (extended per model)."""
        return []

    def _sod_check_user(self, user=None, action=None):
        """Refuse (``UserError``, with a ``blocked`` log line) when ``user``
        (the current user by default) may not post or approve these
        documents."""
        user = user or self.env.user
        conflicts = self._sod_conflicts(user)
        if conflicts:
            document, reason = conflicts[0]
            document._sod_raise(reason, user, action)
        return True

    def _sod_raise(self, reason, user=None, action=None):
        """Refuse this document for ``reason``, with a ``blocked`` log line
        that stays when the transaction is rolled back."""
        self.ensure_one()
        user = user or self.env.user
        message = self.env["control.log"]._text(
            _lt(
                "Segregation of duties: %(user)s may not %(action)s %(document)s: "
                "%(reason)s",
                user=user.name,
                action=action or self.env._("post"),
                document=self.display_name,
                reason=reason,
            )
        )
        self.env["control.log"]._log_detached(
            "blocked", self, message, company=self.company_id, control="sod"
        )
        raise UserError(message)

    def _sod_check_decider(self, user=None, action=None, approving=True):
        """The checks of a decision (approve, reject, emergency, release) on
        these documents: two-factor authentication when the company requires
        it, and the transaction rules when the decision lets the document
        through (``approving``)."""
        user = user or self.env.user
        companies = self.mapped("company_id")
        if (
            any(
                company._control_setting("approval_requires_2fa")
                for company in companies
            )
            and not user.sudo().totp_enabled
        ):
            message = self.env["control.log"]._text(
                _lt(
                    "%(user)s must turn on two-factor authentication (My Profile > "
                    "Account Security) to %(action)s %(documents)s: the company "
                    "requires it for approval decisions.",
                    user=user.name,
                    action=action or self.env._("decide on"),
                    documents=", ".join(self.mapped("display_name")),
                )
            )
            for document in self:
                self.env["control.log"]._log_detached(
                    "blocked",
                    document,
                    message,
                    company=document.company_id,
                    control="sod",
                )
            raise UserError(message)
        if not approving:
            return True
        return self._sod_check_user(user, action or self.env._("approve"))
