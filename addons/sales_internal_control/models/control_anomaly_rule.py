from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from . import control_tools

DETECTORS = [
    ("duplicate_bill", "Duplicate vendor bill"),
    ("bank_change_payment", "Payment after a bank account change"),
    ("off_hours_payment", "Payment outside business hours"),
    ("split_order", "Split orders"),
    ("unusual_amount", "Unusual amount"),
    ("vendor_employee", "Vendor related to an employee"),
    ("duplicate_partner", "Duplicate partner"),
    ("benford", "Benford's law (scan only)"),
    ("mass_export", "Mass export"),
]
# Documents each detector looks at when they are confirmed or posted (the
# partner detectors when a partner is created or changed; benford: the scan).
DETECTOR_MODELS = {
    "duplicate_bill": ("account.move",),
    "bank_change_payment": ("account.payment",),
    "off_hours_payment": ("account.payment",),
    "split_order": ("sale.order", "purchase.order"),
    "unusual_amount": (
        "account.move",
        "account.payment",
        "sale.order",
        "purchase.order",
    ),
    "vendor_employee": ("account.move", "account.payment", "res.partner"),
    "duplicate_partner": ("res.partner",),
    "benford": ("account.move",),
    # the control log's export lines (see control_log_export.py)
    "mass_export": ("control.log",),
}
SCAN_ONLY = ("benford",)
# Detector parameters that must be set (> 0).
REQUIRED_PARAMETERS = {
    "duplicate_bill": ("window_days",),
    "bank_change_payment": ("window_days",),
    "split_order": ("window_days",),
    "unusual_amount": ("threshold",),
    "benford": ("threshold",),
}
DEFAULT_THRESHOLDS = {"unusual_amount": 3.5, "benford": 0.015}
# What the engine reads of a rule at posting (kept with the cached rule ids).
CACHED_FIELDS = (
    "company_id",
    "detector",
    "action",
    "severity",
    "amount_min",
    "window_days",
    "tolerance_pct",
    "hour_from",
    "hour_to",
    "weekend_is_off_hours",
    "threshold",
)


class ControlAnomalyRule(models.Model):
    """A detector switched on for a company, with its parameters and action.

    Detectors run when a document is confirmed or posted, by any method (the
    approval engine's state-transition hook), with a constant number of
    queries whatever the history, and in :meth:`action_scan` over a period
    with set-based SQL. Each detector is a method ``_detect_<detector>(docs,
    scan=False)`` of this model (see ``control_anomaly_detectors.py``)
    returning ``{document: (score, message, related documents, amount)}``.
    """

    _name = "control.anomaly.rule"
    _description = "Anomaly Rule"
    _inherit = ["control.finite.mixin", "control.rule.cache.mixin"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    detector = fields.Selection(DETECTORS, required=True)
    detector_help = fields.Text(compute="_compute_detector_help")
    severity = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")],
        default="medium",
        required=True,
    )
    action = fields.Selection(
        [
            ("warn", "Warn (record a finding, the document goes through)"),
            ("approval", "Approval (a controller must approve the document)"),
            ("block", "Block (the document is refused)"),
        ],
        default="warn",
        required=True,
        help="Partners are never refused: on partners every action warns.",
    )
    amount_min = fields.Monetary(
        string="Minimum Amount",
        currency_field="currency_id",
        help="Company currency; 0 means any amount.",
    )
    window_days = fields.Integer(default=30)
    tolerance_pct = fields.Float(string="Tolerance (%)")
    hour_from = fields.Float(default=8.0, help="Start of business hours (0-24).")
    hour_to = fields.Float(default=19.0, help="End of business hours (0-24).")
    weekend_is_off_hours = fields.Boolean(default=True)
    threshold = fields.Float(
        help="Robust z-score for Unusual amount (3.5 by default), mean absolute "
        "deviation for Benford (Nigrini's 0.015 by default)."
    )
    finding_count = fields.Integer(compute="_compute_finding_count")

    @api.depends("detector")
    def _compute_detector_help(self):
        helps = self._detector_helps()
        for rule in self:
            rule.detector_help = helps.get(rule.detector, "")

    def _compute_finding_count(self):
        groups = self.env["control.anomaly"]._read_group(
            [("rule_id", "in", self.ids)], ["rule_id"], ["__count"]
        )
        counts = {rule.id: count for rule, count in groups}
        for rule in self:
            rule.finding_count = counts.get(rule.id, 0)

    def _detector_helps(self):
        _ = self.env._
        return {
            "duplicate_bill": _(
                "A vendor bill or refund matches another non-cancelled one of the "
                "same vendor (or of another vendor with the same bank account "
                "number): the same reference once case, spaces and punctuation "
                "are removed, or the same amount within Tolerance (%) and an "
                "invoice date within Window (days)."
            ),
            "bank_change_payment": _(
                "An outgoing payment to a partner whose bank accounts were created "
                "or changed less than Window (days) ago."
            ),
            "off_hours_payment": _(
                "An outgoing payment of at least Minimum Amount posted outside "
                "business hours (Hour From - Hour To, in the time zone of the "
                "company's working schedule; weekends too if checked)."
            ),
            "split_order": _(
                "Sale or purchase orders of the same requester and partner within "
                "Window (days), each below an approval rule's minimum amount, "
                "whose sum reaches it. The finding names all of them."
            ),
            "unusual_amount": _(
                "A vendor bill, payment or order far from the partner's history: "
                "robust z-score (median and median absolute deviation of the "
                "last 12 months, at least 5 earlier documents, at most the "
                "latest 1,000) above Threshold."
            ),
            "vendor_employee": _(
                "A vendor sharing a bank account number, tax ID, e-mail or phone "
                "with an internal user's contact."
            ),
            "duplicate_partner": _(
                "A new or changed customer or vendor with the same tax ID, or the "
                "same name and phone once normalised, as another active partner."
            ),
            "benford": _(
                "Scan only: vendors with at least 50 bills in the period whose "
                "first digits deviate from Benford's law (mean absolute deviation "
                "above Threshold, 0.015 by default)."
            ),
            "mass_export": _(
                "A user exports more rows of contacts, sale orders, invoices and "
                "bills, payments, contracts or control log lines in one day (in the "
                "company's time zone) than the company's Export Alert (Rows) setting. "
                "The finding is on the export that crossed the limit, one per user "
                "and day. Exports are never refused: the action must be Warn."
            ),
        }

    # ------------------------------------------------------------- constraints
    @api.constrains(
        "detector",
        "amount_min",
        "window_days",
        "tolerance_pct",
        "hour_from",
        "hour_to",
        "threshold",
    )
    def _check_parameters(self):
        for rule in self:
            labels = {
                name: rule._fields[name].get_description(self.env)["string"]
                for name in ("amount_min", "window_days", "tolerance_pct", "threshold")
            }
            for name, label in labels.items():
                if rule[name] < 0:
                    raise ValidationError(
                        self.env._(
                            "Anomaly rule %(rule)s: %(field)s cannot be negative "
                            "(%(value)s).",
                            rule=rule.display_name,
                            field=label,
                            value=rule[name],
                        )
                    )
            if not (0 <= rule.hour_from < rule.hour_to <= 24):
                raise ValidationError(
                    self.env._(
                        "Anomaly rule %(rule)s: business hours must lie within 0-24 "
                        "with Hour From before Hour To (got %(start)s - %(end)s).",
                        rule=rule.display_name,
                        start=rule.hour_from,
                        end=rule.hour_to,
                    )
                )
            for name in REQUIRED_PARAMETERS.get(rule.detector, ()):
                if not rule[name] or rule[name] <= 0:
                    raise ValidationError(
                        self.env._(
                            "Anomaly rule %(rule)s: the detector %(detector)s needs "
                            "%(field)s greater than 0 (got %(value)s).",
                            rule=rule.display_name,
                            detector=dict(DETECTORS)[rule.detector],
                            field=labels[name],
                            value=rule[name],
                        )
                    )

    @api.constrains("detector", "action")
    def _check_mass_export_action(self):
        for rule in self:
            if rule.detector == "mass_export" and rule.action != "warn":
                raise ValidationError(
                    self.env._(
                        "Anomaly rule %(rule)s: exports are never refused, the "
                        "Mass export detector only warns (action %(action)s).",
                        rule=rule.display_name,
                        action=dict(
                            rule._fields["action"]._description_selection(self.env)
                        )[rule.action],
                    )
                )

    # -------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            detector = vals.get("detector")
            if detector in DEFAULT_THRESHOLDS and "threshold" not in vals:
                vals["threshold"] = DEFAULT_THRESHOLDS[detector]
        return super().create(vals_list)

    # ------------------------------------------------------------------ engine
    @api.model
    @tools.ormcache("model_name", "company_ids")
    def _get_active_rules(self, model_name, company_ids):
        """The active event rules that look at a document type in
        these companies, with the values of their parameters (cached: no
        query once warm; cleared on any rule change, in every worker through
        Odoo's registry signalling).

        :return: tuple of ``(id, values of CACHED_FIELDS as the ORM caches
            them)``
        """
        detectors = [
            detector
            for detector, models_ in DETECTOR_MODELS.items()
            if model_name in models_ and detector not in SCAN_ONLY
        ]
        rules = self.sudo().search_fetch(
            [("detector", "in", detectors), ("company_id", "in", list(company_ids))],
            CACHED_FIELDS,
        )
        return tuple(
            (
                rule.id,
                tuple(
                    rule._fields[name].convert_to_cache(rule[name], rule)
                    for name in CACHED_FIELDS
                ),
            )
            for rule in rules
        )

    @api.model
    def _rules_for(self, documents):
        """The active event rules that look at ``documents`` (sudo), their
        parameters in the cache (read at no query)."""
        if not documents:
            return self.sudo().browse()
        company_ids = tuple(sorted(documents._anomaly_companies().ids))
        cached = control_tools.cached(
            self, "_get_active_rules", documents._name, company_ids
        )
        rules = self.sudo().browse([rule_id for rule_id, _values in cached])
        for index, name in enumerate(CACHED_FIELDS):
            self.env.cache.insert_missing(
                rules, rules._fields[name], [values[index] for _id, values in cached]
            )
        return rules

    def _detect(self, model_name, ids=None, period=None):
        """Run this rule's detector on documents of ``model_name``: the given
        ``ids`` (at confirmation or posting) or every document of the rule's
        company dated within ``period`` (``(date_from, date_to)``, the scan).

        :return: ``{res_id: values}``, values holding ``score`` (0-100),
            ``message``, ``related`` (list of ``(model, id, name)``),
            ``amount``, ``partner_id``, ``user_id``, ``res_name``
        """
        self.ensure_one()
        detector = getattr(self, f"_detect_{self.detector}", None)
        if detector is None or model_name not in DETECTOR_MODELS[self.detector]:
            return {}
        return detector(model_name, ids=ids, period=period)

    # ------------------------------------------------------------------ scan
    def action_scan(self, date_from=False, date_to=False):
        """Run every active rule (these, or all of the current companies when
        called on none) over the period's documents with set-based SQL;
        return the number of new findings. Without dates: yesterday."""
        self.env["control.anomaly"]._check_reviewer_rights()
        rules = self or self.search([])
        if not date_to:
            date_to = fields.Date.context_today(self) - timedelta(days=1)
        if not date_from:
            date_from = date_to
        try:
            period = (fields.Date.to_date(date_from), fields.Date.to_date(date_to))
        except (TypeError, ValueError) as error:
            raise ValidationError(
                self.env._(
                    "The scan period needs dates (got %(start)s - %(end)s).",
                    start=date_from,
                    end=date_to,
                )
            ) from error
        if period[0] > period[1]:
            raise ValidationError(
                self.env._(
                    "The scan period starts after it ends (%(start)s - %(end)s).",
                    start=period[0],
                    end=period[1],
                )
            )
        Finding = self.env["control.anomaly"].sudo()
        created = 0
        for rule in rules.sudo().filtered("active"):
            for model_name in DETECTOR_MODELS[rule.detector]:
                hits = rule._detect(model_name, period=period)
                created += len(Finding._record_hits(rule, model_name, hits, new=True))
        return created

    @api.model
    def _cron_scan(self):
        for company in self.env["res.company"].sudo().search([]):
            rules = self.sudo().search([("company_id", "=", company.id)])
            if rules:
                rules.with_company(company).action_scan()
        return True
