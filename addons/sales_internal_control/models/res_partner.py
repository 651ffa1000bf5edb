from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .control_anomaly_detectors import NORMALISE
from .res_partner_bank import mask_number

_lt = LazyTranslate(__name__)

# Partner fields the partner detectors read (tax ID, name, phone, e-mail).
ANOMALY_PARTNER_FIELDS = {"vat", "name", "phone", "mobile", "email"}


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "control.guarded.mixin", "control.anomaly.mixin"]

    bank_account_changed_date = fields.Datetime(
        string="Bank Account Changed",
        readonly=True,
        copy=False,
        help="Last time a bank account of this partner was added, or its number "
        "changed (set by the engine; the chatter and the control log keep every "
        "change).",
    )

    def init(self):
        res = super().init()
        # The duplicate partner detector looks a new or changed partner's
        # normalised tax ID and name up among the commercial entities (its
        # own expressions: normalising every partner at each check cost
        # 1.5 s with 100,000 of them).
        for column in ("vat", "name"):
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON res_partner ((%s))"
                    " WHERE active AND id = commercial_partner_id",
                    SQL.identifier("res_partner_ic_normalised_%s_index" % column),
                    SQL(NORMALISE, SQL.identifier(column)),
                )
            )
        return res

    def _control_guarded_fields(self):
        fields_ = super()._control_guarded_fields()
        fields_["bank_account_changed_date"] = "engine"
        return fields_

    def _anomaly_companies(self):
        # A partner shared between companies is checked by each of them.
        return self.company_id or self.env.companies

    def _anomaly_check_partners(self):
        """Partner detectors (vendor related to an employee, duplicate
        partner) only warn: a finding is recorded, nothing is refused."""
        partners = self.filtered(
            lambda partner: partner.active and not partner.user_ids
        )
        if partners:
            partners._anomaly_record(partners._anomaly_evaluate())
        return True

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners._anomaly_check_partners()
        return partners

    def write(self, vals):
        result = super().write(vals)
        if ANOMALY_PARTNER_FIELDS.intersection(vals):
            self._anomaly_check_partners()
        return result

    @api.model
    def _bank_mask(self, number):
        return mask_number(number) or ""

    def _bank_account_changed(self, old, new, bank):
        """Track a change of a bank account number on its partner (chatter
        and control log, the numbers masked but their last 4 digits)."""
        for partner in self:
            if old and new:
                message = self.env["control.log"]._text(
                    _lt(
                        "Bank account number of %(partner)s changed from %(old)s to "
                        "%(new)s.",
                        partner=partner.display_name,
                        old=self._bank_mask(old),
                        new=self._bank_mask(new),
                    )
                )
            elif new:
                message = self.env["control.log"]._text(
                    _lt(
                        "Bank account %(new)s added to %(partner)s.",
                        partner=partner.display_name,
                        new=self._bank_mask(new),
                    )
                )
            else:
                message = self.env["control.log"]._text(
                    _lt(
                        "Bank account %(old)s removed from %(partner)s.",
                        partner=partner.display_name,
                        old=self._bank_mask(old),
                    )
                )
            if new:
                partner.sudo().bank_account_changed_date = fields.Datetime.now()
            partner.sudo()._message_log(body=message)
            self.env["control.log"]._log(
                "bank_account",
                partner,
                message,
                company=bank.company_id or self.env.company,
                control="anomaly",
            )
        return True
