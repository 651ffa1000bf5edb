from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config

LOG_EVENTS = [
    ("approval_requested", "Approval requested"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("emergency_approved", "Emergency approved"),
    ("blocked", "Blocked"),
    ("override", "Override"),
    ("threshold", "Threshold crossed"),
    ("anomaly", "Anomaly"),
    ("bank_account", "Bank account changed"),
    ("dunning", "Dunning"),
    ("sod", "Segregation of duties"),
    ("export", "Export"),
    ("budget_change", "Budget change"),
]


class ControlLog(models.Model):
    """Audit trail of every control event.

    Lines are written by the code (through :meth:`_log`, in sudo) and can never
    be changed or deleted, not even by the administrator.
    """

    _name = "control.log"
    _description = "Internal Control Log"
    _order = "date desc, id desc"
    _rec_name = "event"

    event = fields.Selection(LOG_EVENTS, required=True, readonly=True, index=True)
    res_model = fields.Char(
        string="Document Model", required=True, readonly=True, index=True
    )
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", readonly=True, index=True
    )
    res_name = fields.Char(string="Document", readonly=True)
    control = fields.Char(
        readonly=True,
        index=True,
        help="Technical name of the control that wrote the line, where it "
        "matters to tell them apart (e.g. credit, for the credit controllers' "
        "queue of blocked orders).",
    )
    user_id = fields.Many2one(
        "res.users",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        index=True,
    )
    date = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now, index=True
    )
    message = fields.Text(readonly=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        index=True,
    )

    @api.model_create_multi
    def create(self, vals_list):
        # Lines are created only through _log(), which runs in sudo; a direct
        # create by a user is refused by the access rights (no create right).
        return super().create(vals_list)

    def write(self, vals):
        if not self:
            return super().write(vals)
        raise UserError(
            self.env._(
                "Control log lines are an audit trail and cannot be modified "
                "(lines %(ids)s).",
                ids=", ".join(str(i) for i in self.ids),
            )
        )

    def unlink(self):
        if not self:
            return super().unlink()
        raise UserError(
            self.env._(
                "Control log lines are an audit trail and cannot be deleted "
                "(lines %(ids)s).",
                ids=", ".join(str(i) for i in self.ids),
            )
        )

    def action_open_document(self):
        self.ensure_one()
        return self._document_action(self.res_model, self.res_id)

    @api.model
    def _document_action(self, res_model, res_id):
        """The form of the document a log line or an approval request is about."""
        return {
            "type": "ir.actions.act_window",
            "res_model": res_model,
            "res_id": res_id,
            "view_mode": "form",
        }

    def _xlsx_rows(self):
        event_labels = dict(self._fields["event"]._description_selection(self.env))
        return [
            (
                line.date,
                event_labels.get(line.event, line.event),
                line.res_model,
                line.res_id,
                line.res_name or "",
                line.user_id.name,
                line.amount,
                line.company_id.currency_id.name,
                line.message or "",
                line.company_id.name,
            )
            for line in self
        ]

    def action_export_xlsx(self):
        """Download the lines as an Excel file (oldest first)."""
        headers = [
            (self.env._("Date"), "datetime"),
            (self.env._("Event"), "text"),
            (self.env._("Document Model"), "text"),
            (self.env._("Document ID"), "number"),
            (self.env._("Document"), "text"),
            (self.env._("User"), "text"),
            (self.env._("Amount"), "monetary"),
            (self.env._("Currency"), "text"),
            (self.env._("Message"), "text"),
            (self.env._("Company"), "text"),
        ]
        return self.env["control.xlsx.export"]._xlsx_action(
            "control_log.xlsx",
            self.env._("Control Log"),
            headers,
            self.sorted(lambda line: (line.date, line.id))._xlsx_rows(),
        )

    @api.model
    def _prepare_log_vals(
        self, event, records, message, amount=0.0, company=None, control=False
    ):
        vals_list = []
        for record in records:
            rec_company = company or (
                record.company_id if "company_id" in record._fields else False
            )
            vals_list.append(
                {
                    "event": event,
                    "res_model": record._name,
                    "res_id": record.id,
                    "res_name": record.display_name,
                    "user_id": self.env.uid,
                    "message": message,
                    "amount": amount,
                    "company_id": (rec_company or self.env.company).id,
                    "control": control,
                }
            )
        return vals_list

    @api.model
    def _log(self, event, records, message, amount=0.0, company=None, control=False):
        """Write one log line per record (in sudo) and return them.

        :param event: one of ``LOG_EVENTS``
        :param records: the documents concerned
        :param message: the human-readable explanation, with the numbers
        :param amount: the amount concerned, in company currency
        :param company: the company of the lines (default: the record's)
        :param control: technical name of the control writing the line
        """
        vals_list = self._prepare_log_vals(
            event, records, message, amount, company, control
        )
        return self.sudo().create(vals_list)

    @api.model
    def _log_detached(
        self, event, records, message, amount=0.0, company=None, control=False
    ):
        """Like :meth:`_log`, but the lines survive the current transaction.

        For blocks: the action raises ``UserError`` right after, which rolls
        back the current transaction and everything it wrote, but the audit
        line must stay. It is written and committed in a cursor of its own.
        Under tests (``--test-enable`` or a registry in test mode) the lines
        are written in the current transaction instead, where the test can
        read them: a separate cursor would not see the test's uncommitted
        users and companies.
        """
        if config["test_enable"] or self.env.registry.in_test_mode():
            return self._log(
                event, records, message, amount=amount, company=company, control=control
            )
        vals_list = self._prepare_log_vals(
            event, records, message, amount, company, control
        )
        with self.env.registry.cursor() as cr:
            self.env(cr=cr, su=True)["control.log"].create(vals_list)
        return self.browse()

    @api.model
    def _lock_for_check(self, records):
        """Serialize concurrent checks that depend on ``records``.

        The rows are rewritten (``write_date = write_date``) so that a second
        transaction checking the same rows waits for the first one and then,
        under Odoo's REPEATABLE READ isolation, fails with a serialization
        error: Odoo retries that request, which then sees what the first one
        committed. Used by the credit, budget and contract controls.
        """
        if not records:
            return
        records.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET write_date = write_date WHERE id IN %s",
                SQL.identifier(records._table),
                tuple(records.ids),
            )
        )
