from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config
from odoo.tools.translate import LazyGettext, get_translation

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
    ("budget_totals", "Budget figures repaired"),
    ("credit_totals", "Credit exposure repaired"),
]

# Key of the cursor's cache under which _approval_resume collects the lines
# that _log_detached would write (internal state, out of reach of callers).
COLLECT_KEY = "control_log_collect"


class LogText(str):
    """A log message formatted in the writer's language that keeps its English
    source, module and parameters (``source``, ``module``, ``params``): the
    control log renders it again in each reader's language.

    Made by :meth:`ControlLog._text` from a lazy translation (``_lt``). It is a
    plain ``str`` everywhere else (error messages, chatter notes).
    """

    source = None
    module = None
    params = None


def _encode_param(value):
    """A parameter as JSON: lazy translations (and log texts) keep their
    source to be translated for the reader; anything else is a fact, kept as
    written (numbers, or text such as formatted amounts and names)."""
    if isinstance(value, LazyGettext):
        return {
            "_lt": value._source,
            "module": value._module,
            "args": _encode_args(value._args),
        }
    if isinstance(value, LogText) and value.source:
        return {"_lt": value.source, "module": value.module, "args": value.params}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def _encode_args(args):
    if isinstance(args, dict):
        return {str(key): _encode_param(value) for key, value in args.items()}
    return [_encode_param(value) for value in args or ()]


def _decode_args(args):
    def decode(value):
        if isinstance(value, dict) and "_lt" in value:
            inner = _decode_args(value.get("args"))
            positional = inner if isinstance(inner, tuple) else ()
            named = inner if isinstance(inner, dict) else {}
            return LazyGettext(
                value["_lt"],
                *positional,
                _module=value.get("module") or "base",
                **named,
            )
        return value

    if isinstance(args, dict):
        return {key: decode(value) for key, value in args.items()}
    return tuple(decode(value) for value in args or ())


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
    message = fields.Text(
        compute="_compute_message",
        search="_search_message",
        help="The message in the reader's language (lines written before "
        "messages were translatable show the text as it was written).",
    )
    message_text = fields.Text(
        string="Message as Written",
        readonly=True,
        help="The message as it was written, in the language of the user who "
        "caused it.",
    )
    message_source = fields.Text(
        string="Message Template",
        readonly=True,
        help="English source of the message, translated for each reader.",
    )
    message_module = fields.Char(readonly=True)
    message_params = fields.Json(
        string="Message Parameters",
        readonly=True,
        help="The facts of the message (documents, numbers) as they were written.",
    )
    # No sum: amounts of different events (requested, approved, blocked...)
    # of the same document would add up to nothing meaningful.
    amount = fields.Monetary(
        readonly=True, currency_field="currency_id", aggregator=None
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        index=True,
    )

    @api.depends_context("lang")
    @api.depends("message_text", "message_source", "message_module", "message_params")
    def _compute_message(self):
        lang = self.env.lang or "en_US"
        for line in self:
            line.message = line._render_message(lang)

    def _render_message(self, lang):
        self.ensure_one()
        if not self.message_source:
            return self.message_text
        args = _decode_args(self.message_params)
        try:
            return get_translation(
                self.message_module or "base", lang, self.message_source, args
            )
        except (TypeError, ValueError, KeyError):
            return self.message_text

    def _search_message(self, operator, value):
        return [("message_text", operator, value)]

    @api.model_create_multi
    def create(self, vals_list):
        # Lines are created only through _log(), which runs in sudo; a direct
        # create by a user is refused by the access rights (no create right).
        vals_list = [self._message_vals(vals) for vals in vals_list]
        return super().create(vals_list)

    @api.model
    def _message_vals(self, vals):
        """``message`` (a plain text or a :class:`LogText`) given to create
        becomes the stored text and, for a log text, its source and facts."""
        if "message" not in vals:
            return vals
        vals = dict(vals)
        message = vals.pop("message")
        vals.setdefault("message_text", str(message) if message else False)
        if isinstance(message, LogText) and message.source:
            vals.setdefault("message_source", message.source)
            vals.setdefault("message_module", message.module)
            vals.setdefault("message_params", message.params or False)
        return vals

    @api.model
    def _text(self, lazy):
        """The log text of a lazy translation ``_lt("... %(x)s", x=...)``:
        formatted in the current language, and rendered in the reader's
        language by the log.

        Usage (``_lt = LazyTranslate(__name__)`` at the top of the file)::

            message = self.env["control.log"]._text(
                _lt("Order %(order)s blocked: %(amount)s.", order=..., amount=...)
            )
            self.env["control.log"]._log_detached("blocked", order, message)
            raise UserError(message)
        """
        if not isinstance(lazy, LazyGettext):
            return lazy
        text = LogText(self.env._(lazy))
        text.source = lazy._source
        text.module = lazy._module
        text.params = _encode_args(lazy._args)
        return text

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
        # In the exporter's language, whoever wrote the lines.
        lang = self.env.lang or "en_US"
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
                line.with_context(lang=lang).message or "",
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
        message = self._text(message)
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
        :param message: the human-readable explanation, with the numbers: a
            plain text, or a :meth:`_text` (or a lazy ``_lt``) that each
            reader then reads in his language
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
        stack = self.env.cr.cache.get(COLLECT_KEY)
        if stack:
            # Inside _collect_detached (the approval engine resuming an
            # action): the caller writes the block, once, after its
            # savepoint's rollback.
            stack[-1].extend(
                self._prepare_log_vals(
                    event, records, message, amount, company, control
                )
            )
            return self.browse()
        vals_list = self._prepare_log_vals(
            event, records, message, amount, company, control
        )
        return self._create_detached(vals_list)

    @api.model
    def _create_detached(self, vals_list):
        """Create lines in a cursor of their own (see :meth:`_log_detached`)."""
        if not vals_list:
            return self.browse()
        if config["test_enable"] or self.env.registry.in_test_mode():
            return self.sudo().create(vals_list)
        with self.env.registry.cursor() as cr:
            self.env(cr=cr, su=True)["control.log"].create(vals_list)
        return self.browse()

    @api.model
    @contextmanager
    def _collect_detached(self):
        """Collect, instead of writing, the lines :meth:`_log_detached` would
        write in the block of this ``with``: yields the list of their values.

        For an action run inside a savepoint whose refusal is caught (the
        approval engine running the document's action after the last tier):
        the caller writes the block once, in its own transaction, rather than
        a committed line of the refused attempt plus a line of its own.
        """
        stack = self.env.cr.cache.setdefault(COLLECT_KEY, [])
        stack.append([])
        try:
            yield stack[-1]
        finally:
            stack.pop()
            if not stack:
                self.env.cr.cache.pop(COLLECT_KEY, None)

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
