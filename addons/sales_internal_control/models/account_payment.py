from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL


class AccountPayment(models.Model):
    _name = "account.payment"
    _inherit = ["account.payment", "control.approval.mixin"]
    _anomaly_history_index = ("partner_id", "date")

    def _anomaly_relevant(self, detector):
        # Only the unusual amount detector looks at incoming payments too.
        return detector == "unusual_amount" or self.payment_type == "outbound"

    def _approval_get_amount(self):
        self.ensure_one()
        return abs(self.amount_company_currency_signed)

    def _approval_enabled(self):
        self.ensure_one()
        return self.company_id._control_setting("control_approval_payment")

    def _approval_action(self):
        return self.action_post()

    def _approval_done_states(self):
        return ("in_process", "paid")

    def action_post(self):
        candidates = self.filtered(lambda payment: payment.state == "draft")
        to_post = self - candidates._approval_route()
        if not to_post:
            return True
        result = super(AccountPayment, to_post).action_post()
        # Odoo returns None, which XML-RPC cannot carry.
        return True if result is None else result

    # ------------------------------------------------------ segregation of duties
    def _sod_conflicts(self, user):
        conflicts = super()._sod_conflicts(user)
        outgoing = self.filtered(lambda payment: payment.payment_type == "outbound")
        if not outgoing:
            return conflicts
        for payment in outgoing.filtered(
            lambda payment: payment.company_id._control_setting("sod_bill_payment")
        ):
            bills = payment.invoice_ids | payment.reconciled_bill_ids
            conflicts += [
                (payment, reason) for _bill, reason in bills._sod_bill_conflicts(user)
            ]
        conflicts += outgoing._sod_bank_conflicts(user)
        return conflicts

    def _sod_bank_conflicts(self, user):
        """``[(payment, reason)]``: payments to partners whose bank accounts
        ``user`` created or changed within the company's window (one query
        for all the payments: the control log's bank account lines and the
        bank accounts' own creation and last change)."""
        payments = self.filtered(
            lambda payment: (
                payment.company_id._control_setting("sod_bank_payment")
                and payment.partner_id
            )
        )
        if not payments:
            return []
        now = fields.Datetime.now()
        windows = {
            payment.id: now
            - timedelta(
                days=payment.company_id._control_setting("sod_bank_window_days")
            )
            for payment in payments
        }
        since = min(windows.values())
        partner_ids = list(set(payments.partner_id.commercial_partner_id.ids))
        for model_name in ("res.partner.bank", "res.partner", "control.log"):
            self.env[model_name].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id, max(l.date)
                  FROM control_log l
                  JOIN res_partner p ON p.id = l.res_id
                 WHERE l.event = 'bank_account' AND l.res_model = 'res.partner'
                   AND l.user_id = %(user)s AND l.date >= %(since)s
                   AND p.commercial_partner_id = ANY(%(partners)s)
                 GROUP BY p.commercial_partner_id
                UNION ALL
                SELECT p.commercial_partner_id,
                       max(greatest(
                           CASE WHEN b.create_uid = %(user)s THEN b.create_date END,
                           CASE WHEN b.write_uid = %(user)s THEN b.write_date END))
                  FROM res_partner_bank b
                  JOIN res_partner p ON p.id = b.partner_id
                 WHERE p.commercial_partner_id = ANY(%(partners)s)
                   AND ((b.create_uid = %(user)s AND b.create_date >= %(since)s)
                        OR (b.write_uid = %(user)s AND b.write_date >= %(since)s))
                 GROUP BY p.commercial_partner_id
                """,
                user=user.id,
                since=since,
                partners=partner_ids,
            )
        )
        changed = {}
        for partner_id, date in self.env.cr.fetchall():
            if date and date > changed.get(partner_id, since - timedelta(days=1)):
                changed[partner_id] = date
        conflicts = []
        for payment in payments:
            date = changed.get(payment.partner_id.commercial_partner_id.id)
            if date and date >= windows[payment.id]:
                conflicts.append(
                    (
                        payment,
                        self.env._(
                            "%(user)s created or changed a bank account of "
                            "%(partner)s on %(date)s, less than %(days)s days ago, "
                            "and the company keeps whoever edits a bank account "
                            "from paying to it.",
                            user=user.name,
                            partner=payment.partner_id.commercial_partner_id.name,
                            date=fields.Datetime.to_string(date),
                            days=payment.company_id._control_setting(
                                "sod_bank_window_days"
                            ),
                        ),
                    )
                )
        return conflicts
