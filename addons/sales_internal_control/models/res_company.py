from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import ormcache

from . import control_tools

# The prefetch group of the controls' company settings (fields of the four
# addons on res.company): Odoo fetches a company's fields together whenever
# one is read, nearly every request; the settings, 24 columns that made
# that fetch 0.34 ms slower, are read by the checks from a per-company
# cache instead (ResCompany._control_setting) and by the ORM only with
# each other (Settings, constraints).
SETTINGS_PREFETCH = "control_settings"


class ResCompany(models.Model):
    _inherit = "res.company"

    control_approval_sale = fields.Boolean(
        prefetch=SETTINGS_PREFETCH, string="Approvals on Sale Orders", default=True
    )
    control_approval_purchase = fields.Boolean(
        prefetch=SETTINGS_PREFETCH, string="Approvals on Purchase Orders", default=True
    )
    control_approval_invoice = fields.Boolean(
        prefetch=SETTINGS_PREFETCH,
        string="Approvals on Invoices and Bills",
        default=True,
    )
    control_approval_payment = fields.Boolean(
        prefetch=SETTINGS_PREFETCH, string="Approvals on Payments", default=True
    )
    invoice_requires_sale_order = fields.Boolean(
        prefetch=SETTINGS_PREFETCH,
        string="Invoices Require an Approved Sale Order",
        help="A customer invoice that does not come from a confirmed, approved "
        "sale order is refused unless the user is an accounting manager.",
    )
    # Segregation of duties: transaction rules (off until a company opts in).
    sod_bill_payment = fields.Boolean(
        prefetch=SETTINGS_PREFETCH,
        string="Bill Creator Cannot Pay It",
        help="Whoever created or posted a vendor bill may not post or approve "
        "a payment of that bill.",
    )
    sod_bank_payment = fields.Boolean(
        prefetch=SETTINGS_PREFETCH,
        string="Bank Account Editor Cannot Pay to It",
        help="Whoever created or changed a partner's bank account in the last "
        "days (see the window) may not post or approve a payment to that "
        "partner.",
    )
    sod_bank_window_days = fields.Integer(
        prefetch=SETTINGS_PREFETCH, string="Bank Change Window (days)", default=30
    )
    sod_po_bill = fields.Boolean(
        prefetch=SETTINGS_PREFETCH,
        string="Purchase Requester Cannot Post Its Bill",
        help="Whoever requested a purchase order (its buyer or creator) may not "
        "post that order's vendor bill.",
    )
    approval_requires_2fa = fields.Boolean(
        prefetch=SETTINGS_PREFETCH,
        string="Approvers Need Two-Factor Authentication",
        help="Approve, reject, emergency and release decisions need the "
        "deciding user to have two-factor authentication turned on.",
    )

    def _control_setting(self, name):
        """The control setting ``name`` (a field of the
        :data:`SETTINGS_PREFETCH` group) of this company, from a per-company
        cache (no query once warm): the checks read their settings this way,
        so that the company's ordinary fetch leaves them out."""
        self.ensure_one()
        if not isinstance(self.id, int):
            # A company being created in a form.
            return self[name]
        return control_tools.cached(self, "_control_settings", self.id)[name]

    @api.model
    def _control_setting_names(self):
        """The fields of the :data:`SETTINGS_PREFETCH` group (every addon's)."""
        return {
            name
            for name, field in self._fields.items()
            if field.prefetch == SETTINGS_PREFETCH
        }

    @api.model
    @ormcache("company_id")
    def _control_settings(self, company_id):
        """``{setting: value}`` of the company ``company_id``, every field of
        the :data:`SETTINGS_PREFETCH` group, read in one query. Cleared
        whenever a company's setting is written (:meth:`write`; Odoo tells the
        other workers at the commit, and forgets a rolled-back change)."""
        names = sorted(self._control_setting_names())
        values = self.sudo().browse(company_id).read(names)[0]
        return {name: values[name] for name in names}

    def write(self, vals):
        result = super().write(vals)
        if not self._control_setting_names().isdisjoint(vals):
            registry = self.env.registry
            registry.clear_cache()
            # Again once committed: another thread of this process (threaded
            # mode, cron threads) may have cached the values it still read
            # before the commit, and Odoo's signalling at the commit tells
            # the other processes only.
            self.env.cr.postcommit.add(registry.clear_cache)
        return result

    @api.constrains("sod_bank_window_days")
    def _check_sod_bank_window_days(self):
        for company in self:
            if company.sod_bank_window_days < 0:
                raise ValidationError(
                    self.env._(
                        "Company %(company)s: the bank change window cannot be "
                        "negative (%(days)s days).",
                        company=company.name,
                        days=company.sod_bank_window_days,
                    )
                )
