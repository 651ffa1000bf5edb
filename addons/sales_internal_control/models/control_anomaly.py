from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import config
from odoo.tools.translate import LazyTranslate

from .control_anomaly_rule import DETECTORS

_lt = LazyTranslate(__name__)


class ControlAnomaly(models.Model):
    """A finding of an anomaly rule on one document, reviewed by controllers.

    Written by the engine (:meth:`_record_hits`, in sudo) and by the two
    review methods only; never deleted. One finding per rule and document,
    whatever is posted or scanned again (a unique index).
    """

    _name = "control.anomaly"
    _description = "Anomaly Finding"
    _inherit = ["mail.thread", "mail.activity.mixin", "control.guarded.mixin"]
    _order = "date desc, id desc"
    _rec_name = "res_name"

    rule_id = fields.Many2one(
        "control.anomaly.rule", required=True, readonly=True, ondelete="restrict"
    )
    detector = fields.Selection(DETECTORS, required=True, readonly=True, index=True)
    severity = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")],
        required=True,
        readonly=True,
        index=True,
    )
    action = fields.Selection(related="rule_id.action")
    score = fields.Integer(readonly=True, help="0-100: how far from normal.")
    res_model = fields.Char(string="Document Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", required=True, readonly=True
    )
    res_name = fields.Char(string="Document", readonly=True)
    related_documents = fields.Json(string="Related Documents (data)", readonly=True)
    related_html = fields.Html(
        string="Related Documents", compute="_compute_related_html", sanitize=True
    )
    partner_id = fields.Many2one("res.partner", readonly=True, index=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        string="Flagged User",
        readonly=True,
        index=True,
        help="Whose action was flagged.",
    )
    date = fields.Datetime(readonly=True, default=fields.Datetime.now, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    message = fields.Text(readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("confirmed", "Confirmed"), ("dismissed", "Dismissed")],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    reviewed_by_id = fields.Many2one("res.users", readonly=True)
    review_date = fields.Datetime(readonly=True)
    review_note = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "rule_document_unique",
            "UNIQUE(rule_id, res_model, res_id)",
            "One finding per rule and document.",
        )
    ]

    def _compute_related_html(self):
        for finding in self:
            links = [
                Markup('<a href="/odoo/%s/%s">%s</a>') % (model, res_id, name or res_id)
                for model, res_id, name in finding.related_documents or []
            ]
            finding.related_html = Markup(", ").join(links)

    # ------------------------------------------------------- guarded fields
    def _control_guarded_fields(self):
        fields_ = super()._control_guarded_fields()
        fields_.update(
            dict.fromkeys(
                (
                    "rule_id",
                    "detector",
                    "severity",
                    "score",
                    "res_model",
                    "res_id",
                    "res_name",
                    "related_documents",
                    "partner_id",
                    "amount",
                    "user_id",
                    "date",
                    "company_id",
                    "message",
                    "state",
                    "reviewed_by_id",
                    "review_date",
                    "review_note",
                ),
                "engine",
            )
        )
        return fields_

    def _control_guard_message(self, guard, field_names):
        return self.env._(
            "Findings are written by the anomaly engine and reviewed with Confirm "
            "or Dismiss only (user %(user)s, fields %(fields)s).",
            user=self.env.user.name,
            fields=", ".join(field_names),
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Findings are recorded by the anomaly engine only (user %(user)s).",
                    user=self.env.user.name,
                )
            )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "Findings are never deleted (%(findings)s); dismiss them instead.",
                findings=", ".join(self.mapped("display_name")),
            )
        )

    # --------------------------------------------------------------- review
    @api.model
    def _check_reviewer_rights(self):
        if self.env.su or self.env.user.has_group(
            "sales_internal_control.group_control_manager"
        ):
            return True
        raise AccessError(
            self.env._(
                "Only controllers may review findings or scan for anomalies (user "
                "%(user)s).",
                user=self.env.user.name,
            )
        )

    def _review(self, state, note):
        self._check_reviewer_rights()
        if not isinstance(note, str) or not note.strip():
            raise UserError(
                self.env._(
                    "A note is required to review %(findings)s.",
                    findings=", ".join(self.mapped("display_name")),
                )
            )
        for finding in self:
            if finding.state != "open":
                raise UserError(
                    self.env._(
                        "Finding %(finding)s was already reviewed (%(state)s).",
                        finding=finding.display_name,
                        state=finding.state,
                    )
                )
            if finding.user_id == self.env.user:
                raise AccessError(
                    self.env._(
                        "%(user)s cannot review finding %(finding)s: it flags their "
                        "own action.",
                        user=self.env.user.name,
                        finding=finding.display_name,
                    )
                )
        labels = dict(self._fields["state"]._description_selection(self.env))
        for finding in self:
            finding.sudo().write(
                {
                    "state": state,
                    "reviewed_by_id": self.env.uid,
                    "review_date": fields.Datetime.now(),
                    "review_note": note.strip(),
                }
            )
            message = self.env["control.log"]._text(
                _lt(
                    "Finding %(finding)s (%(detector)s) %(state)s by %(user)s: "
                    "%(note)s",
                    finding=finding.display_name,
                    detector=finding.rule_id.name,
                    state=labels[state].lower(),
                    user=self.env.user.name,
                    note=note.strip(),
                )
            )
            finding._message_log(body=message)
            finding.activity_ids.sudo().unlink()
            self.env["control.log"]._log(
                "anomaly",
                finding.sudo()._document() or finding,
                message,
                amount=finding.amount,
                company=finding.company_id,
                control="anomaly",
            )
        return True

    def action_confirm_finding(self, note=False):
        """The finding is a real problem (note required)."""
        return self._review("confirmed", note)

    def action_dismiss(self, note=False):
        """The finding is a false alarm (note required)."""
        return self._review("dismissed", note)

    def action_open_document(self):
        self.ensure_one()
        return self.env["control.log"]._document_action(self.res_model, self.res_id)

    # --------------------------------------------------------------- engine
    @api.model
    def _in_test_mode(self):
        return bool(config["test_enable"] or self.env.registry.in_test_mode())

    def _document(self):
        self.ensure_one()
        if self.res_model not in self.env:
            return None
        return self.env[self.res_model].browse(self.res_id).exists() or None

    @api.model
    def _record_hits(self, rule, model_name, hits, new=False):
        """Record the findings of ``rule`` on documents of ``model_name``.

        :param hits: ``{res_id: values}`` (see ``control.anomaly.rule._detect``)
        :param new: return only the findings created now
        :return: the findings of the hits (one query for the existing ones,
            one create for the new)
        """
        Finding = self.sudo()
        if not hits:
            return Finding.browse()
        existing = Finding.search(
            [
                ("rule_id", "=", rule.id),
                ("res_model", "=", model_name),
                ("res_id", "in", list(hits)),
            ]
        )
        known = set(existing.mapped("res_id"))
        # The flagged documents, read once for all the hits (names, log lines).
        documents = {
            document.id: document
            for document in self.env[model_name]
            .sudo()
            .browse([res_id for res_id in hits if res_id not in known])
            .exists()
        }
        vals_list = [
            {
                "rule_id": rule.id,
                "detector": rule.detector,
                "severity": rule.severity,
                "score": max(0, min(100, round(values.get("score") or 0))),
                "res_model": model_name,
                "res_id": res_id,
                "res_name": documents[res_id].display_name
                if res_id in documents
                else values.get("res_name"),
                "related_documents": values.get("related") or [],
                "partner_id": values.get("partner_id") or False,
                "amount": values.get("amount") or 0.0,
                "user_id": values.get("user_id") or False,
                "company_id": rule.company_id.id,
                "message": values.get("message"),
            }
            for res_id, values in hits.items()
            if res_id not in known
        ]
        # In batches: one create of the findings, one of their log lines, one
        # of the controllers' activities (the scan may record thousands).
        created = (
            Finding.with_context(
                mail_create_nolog=True, mail_create_nosubscribe=True
            ).create(vals_list)
            if vals_list
            else Finding.browse()
        )
        log_vals = []
        for finding in created:
            log_vals += self.env["control.log"]._prepare_log_vals(
                "anomaly",
                documents.get(finding.res_id) or finding,
                finding.message,
                finding.amount,
                finding.company_id,
                "anomaly",
            )
        if log_vals:
            self.env["control.log"].sudo().create(log_vals)
        created._schedule_review()
        return created if new else existing | created

    def _schedule_review(self):
        """An activity for each controller of the finding's company (but the
        flagged user), created in one batch."""
        if not self:
            return
        activity_type = self.env.ref(
            "sales_internal_control.mail_activity_type_anomaly_review"
        )
        controllers = self.env.ref(
            "sales_internal_control.group_control_manager"
        ).users.filtered(lambda u: not u.share)
        model_id = self.env["ir.model"]._get_id(self._name)
        deadline = fields.Date.context_today(self) + timedelta(
            days=activity_type.delay_count
        )
        vals_list = [
            {
                "res_model_id": model_id,
                "res_id": finding.id,
                "activity_type_id": activity_type.id,
                "user_id": user.id,
                "date_deadline": deadline,
                "summary": self.env._(
                    "Review finding: %(rule)s", rule=finding.rule_id.name
                ),
                "note": finding.message,
            }
            for finding in self
            for user in controllers
            if finding.company_id in user.company_ids and user != finding.user_id
        ]
        if vals_list:
            self.env["mail.activity"].sudo().with_context(
                mail_activity_quick_update=len(self) > 1
            ).create(vals_list)
