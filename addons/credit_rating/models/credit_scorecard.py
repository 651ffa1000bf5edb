from collections import Counter
from contextlib import contextmanager

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL, float_compare

# Key of the transaction cache (``cr.cache``, not the context: no caller can
# set it) listing the scorecards being saved, whose factor rows are checked
# as a whole by ``_check_weights`` instead of one row at a time.
SAVING_KEY = "credit_scorecard_saving"
DEFAULT_BATCH_SIZE = 500


class CreditScorecard(models.Model):
    _name = "credit.scorecard"
    _description = "Credit Scorecard"
    _inherit = ["mail.thread", "control.finite.mixin"]
    _order = "company_id, active desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    factor_ids = fields.One2many(
        "credit.scorecard.factor", "scorecard_id", string="Factors", copy=True
    )
    policy_ids = fields.One2many(
        "credit.grade.policy", "scorecard_id", string="Grade Policies", copy=True
    )
    grade_a_min = fields.Integer(string="Grade A from", default=80, tracking=True)
    grade_b_min = fields.Integer(string="Grade B from", default=60, tracking=True)
    grade_c_min = fields.Integer(string="Grade C from", default=40, tracking=True)
    weight_total = fields.Float(compute="_compute_weight_total")
    batch_size = fields.Integer(
        default=DEFAULT_BATCH_SIZE,
        help="Customers rescored per batch by the daily job.",
    )
    last_rescore_date = fields.Datetime(readonly=True)

    @api.depends("factor_ids.weight")
    def _compute_weight_total(self):
        for scorecard in self:
            scorecard.weight_total = sum(scorecard.factor_ids.mapped("weight"))

    def write(self, vals):
        # (The factor rows of a new scorecard are created together, in one
        # batch: their check sees the final sum; create needs no mark.)
        if "factor_ids" not in vals:
            return super().write(vals)
        with self._saving():
            return super().write(vals)

    @contextmanager
    def _saving(self):
        """Factor rows saved with these scorecards (several weights changed in
        one save) are checked as a whole by :meth:`_check_weights`, not one
        row at a time. Marked in the transaction cache, not in the context:
        no client can switch the check off."""
        saving = self.env.cr.cache.setdefault(SAVING_KEY, Counter())
        saving.update(self.ids)
        try:
            yield
        finally:
            saving.subtract(self.ids)
            for scorecard_id in self.ids:
                if saving[scorecard_id] <= 0:
                    del saving[scorecard_id]

    # --------------------------------------------------------------- constraints
    @api.constrains("factor_ids", "active")
    def _check_weights(self):
        for scorecard in self:
            total = sum(scorecard.factor_ids.mapped("weight"))
            if float_compare(total, 100.0, precision_digits=2):
                raise ValidationError(
                    self.env._(
                        "The factor weights of scorecard %(name)s must sum to 100 "
                        "(they sum to %(total)s).",
                        name=scorecard.name,
                        total=round(total, 2),
                    )
                )

    @api.constrains("batch_size")
    def _check_batch_size(self):
        for scorecard in self:
            if scorecard.batch_size < 1:
                raise ValidationError(
                    self.env._(
                        "The batch size of scorecard %(name)s must be a positive "
                        "number of customers (got %(size)s).",
                        name=scorecard.name,
                        size=scorecard.batch_size,
                    )
                )

    @api.constrains("grade_a_min", "grade_b_min", "grade_c_min")
    def _check_thresholds(self):
        for scorecard in self:
            a, b, c = (
                scorecard.grade_a_min,
                scorecard.grade_b_min,
                scorecard.grade_c_min,
            )
            if not (100 >= a > b > c >= 0):
                raise ValidationError(
                    self.env._(
                        "The grade thresholds of scorecard %(name)s must be strictly "
                        "descending between 100 and 0: A %(a)s > B %(b)s > C "
                        "%(c)s.",
                        name=scorecard.name,
                        a=a,
                        b=b,
                        c=c,
                    )
                )

    @api.constrains("active", "company_id")
    def _check_one_active(self):
        for scorecard in self.filtered("active"):
            others = self.search_count(
                [
                    ("company_id", "=", scorecard.company_id.id),
                    ("active", "=", True),
                    ("id", "!=", scorecard.id),
                ]
            )
            if others:
                raise ValidationError(
                    self.env._(
                        "Company %(company)s already has an active scorecard; "
                        "archive it before activating %(name)s.",
                        company=scorecard.company_id.name,
                        name=scorecard.name,
                    )
                )

    # ------------------------------------------------------------------ helpers
    @api.model
    def _get_active(self, company):
        return self.search(
            [("company_id", "=", company.id), ("active", "=", True)], limit=1
        )

    def _batch_size(self):
        """Customers per batch (the default for a value stored before the
        constraint existed)."""
        self.ensure_one()
        return self.batch_size if self.batch_size > 0 else DEFAULT_BATCH_SIZE

    def _grade_for_score(self, score):
        self.ensure_one()
        if score >= self.grade_a_min:
            return "A"
        if score >= self.grade_b_min:
            return "B"
        if score >= self.grade_c_min:
            return "C"
        return "D"

    def _customer_domain(self):
        self.ensure_one()
        return [
            ("customer_rank", ">", 0),
            ("parent_id", "=", False),
            ("company_id", "in", (False, self.company_id.id)),
        ]

    # ------------------------------------------------------------------- factors
    def _ledger_factors(self, partners):
        """Factor values of ``partners`` from the ledger, in one grouped query.

        Receivable lines (debits) of posted entries; a line's payment date is
        the latest date of its reconciliations (account.partial.reconcile).
        Lines still open count in the average days to pay at their current
        age, so that a customer who never pays does not look like a prompt
        payer.
        """
        self.ensure_one()
        today = fields.Date.context_today(self)
        result = {
            pid: {
                "overdue_count_6m": 0,
                "max_days_late_12m": 0,
                "avg_days_to_pay_12m": 0.0,
                "paid_volume_12m": 0.0,
                "first_date": None,
            }
            for pid in partners.ids
        }
        if not partners:
            return result
        self.env["account.move.line"].flush_model(
            [
                "partner_id",
                "company_id",
                "parent_state",
                "account_id",
                "balance",
                "date",
                "date_maturity",
                "reconciled",
            ]
        )
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "max_date"])
        rows = self.env.execute_query(
            SQL(
                """
                WITH lines AS (
                    SELECT l.partner_id, l.date, l.balance, l.reconciled,
                           COALESCE(l.date_maturity, l.date) AS due,
                           CASE WHEN l.reconciled THEN (
                               SELECT MAX(p.max_date) FROM account_partial_reconcile p
                                WHERE p.debit_move_id = l.id
                           ) END AS paid_date
                      FROM account_move_line l
                      JOIN account_account a ON a.id = l.account_id
                     WHERE l.company_id = %(company)s
                       AND l.partner_id IN %(ids)s
                       AND l.parent_state = 'posted'
                       AND a.account_type = 'asset_receivable'
                       AND l.balance > 0
                )
                SELECT partner_id,
                       MIN(date),
                       COUNT(*) FILTER (
                           WHERE due >= %(d6)s AND due < %(today)s
                             AND COALESCE(paid_date, %(today)s) > due),
                       MAX(GREATEST(COALESCE(paid_date, %(today)s) - due, 0)) FILTER (
                           WHERE due >= %(d12)s OR NOT reconciled),
                       AVG(COALESCE(paid_date, %(today)s) - date) FILTER (
                           WHERE paid_date >= %(d12)s OR NOT reconciled),
                       SUM(balance) FILTER (WHERE paid_date >= %(d12)s)
                  FROM lines
              GROUP BY partner_id
                """,
                company=self.company_id.id,
                ids=tuple(partners.ids),
                today=today,
                d6=today - relativedelta(months=6),
                d12=today - relativedelta(months=12),
            )
        )
        for pid, first, overdue, max_late, avg_days, volume in rows:
            result[pid].update(
                first_date=first,
                overdue_count_6m=overdue or 0,
                max_days_late_12m=max_late or 0,
                avg_days_to_pay_12m=float(avg_days or 0.0),
                paid_volume_12m=volume or 0.0,
            )
        return result

    def _factor_values(self, partners):
        """All factor values of ``partners``: {partner_id: {factor: value}}."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        values = self._ledger_factors(partners)
        for partner in partners:
            vals = values[partner.id]
            start = vals.pop("first_date") or partner.create_date.date()
            delta = relativedelta(today, start)
            vals["customer_age_months"] = max(delta.years * 12 + delta.months, 0)
            vals["registered_capital"] = partner.registered_capital
        return values

    def _score(self, factor_values):
        self.ensure_one()
        total = sum(
            line._points(factor_values.get(line.factor, 0.0)) * line.weight / 100.0
            for line in self.factor_ids
        )
        return int(round(total))

    # ---------------------------------------------------------------- rescoring
    def action_rescore(self):
        """Rescore every customer of the scorecards' companies."""
        if not self.env.su and not self.env.user.has_group(
            "credit_rating.group_credit_controller"
        ):
            raise AccessError(
                self.env._(
                    "Only credit controllers may rescore customers (user %(user)s, "
                    "scorecard %(scorecard)s).",
                    user=self.env.user.name,
                    scorecard=", ".join(self.mapped("name")),
                )
            )
        for scorecard in self:
            partners = (
                self.env["res.partner"]
                .with_company(scorecard.company_id)
                .sudo()
                .search(scorecard._customer_domain(), order="id")
            )
            size = scorecard._batch_size()
            for start in range(0, len(partners), size):
                scorecard._rescore_partners(partners[start : start + size])
            scorecard.sudo().last_rescore_date = fields.Datetime.now()
        return True

    def _rescore_partners(self, partners):
        """Score ``partners`` (commercial partners), set grades, apply policies."""
        self.ensure_one()
        # Never grade with weights that do not sum to 100 (factors edited on
        # their own): everyone would drop to D.
        self._check_weights()
        company = self.company_id
        partners = partners.with_company(company).sudo()
        today = fields.Date.context_today(self)
        values = self._factor_values(partners)
        scores = {partner.id: self._score(values[partner.id]) for partner in partners}
        # One write per distinct score (company-dependent values).
        by_score = {}
        for partner in partners:
            by_score.setdefault(scores[partner.id], []).append(partner.id)
        for score, ids in by_score.items():
            partners.browse(ids).write(
                {"credit_score": score, "credit_score_date": today}
            )
        policies = {policy.grade: policy for policy in self.policy_ids}
        for partner in partners:
            grade = partner.credit_grade_override or self._grade_for_score(
                scores[partner.id]
            )
            if partner.credit_grade != grade:
                partner._credit_set_grade(grade, score=scores[partner.id])
            policy = policies.get(grade)
            if policy:
                self._apply_policy(partner, policy)
        return scores

    def _apply_policy(self, partner, policy):
        vals = {}
        if (
            policy.payment_term_id
            and partner.property_payment_term_id != policy.payment_term_id
        ):
            vals["property_payment_term_id"] = policy.payment_term_id.id
        if policy.max_credit_limit and (
            not partner.credit_limit or partner.credit_limit > policy.max_credit_limit
        ):
            vals["credit_limit"] = policy.max_credit_limit
        if vals:
            partner.write(vals)

    @api.model
    def _cron_rescore(self):
        """Daily: rescore the customers not scored today, in batches."""
        today = fields.Date.context_today(self)
        cron = self.env["ir.cron"]
        done = remaining = 0
        for scorecard in self.sudo().search([("active", "=", True)]):
            partner_model = (
                self.env["res.partner"].with_company(scorecard.company_id).sudo()
            )
            domain = scorecard._customer_domain() + [
                "|",
                ("credit_score_date", "=", False),
                ("credit_score_date", "<", today),
            ]
            batch = partner_model.search(domain, limit=scorecard._batch_size())
            if batch:
                scorecard._rescore_partners(batch)
                done += len(batch)
            remaining += partner_model.search_count(domain)
            if not remaining:
                scorecard.last_rescore_date = fields.Datetime.now()
        cron._notify_progress(done=done, remaining=remaining)
