import logging
from datetime import timedelta

from odoo import api, fields, models, modules
from odoo.exceptions import AccessError
from odoo.tools import SQL, config, format_amount, split_every

from .credit_open_items import open_items_query

_logger = logging.getLogger(__name__)

# Customers per batch of the dunning run: a constant number of queries each.
DUNNING_BATCH_SIZE = 500
# Days of sales behind the days sales outstanding.
DSO_DAYS = 90


class ResPartner(models.Model):
    """The dunning of a customer (its run lives here: ``action_dunning_run``)."""

    _inherit = "res.partner"

    dunning_level_id = fields.Many2one(
        "credit.dunning.level",
        company_dependent=True,
        readonly=True,
        help="Highest dunning level of the customer's open invoices, as of the "
        "last dunning run.",
    )
    credit_hold_dunning = fields.Boolean(
        string="Hold Set by Dunning",
        company_dependent=True,
        index=False,  # see res_partner.NO_INDEX_FIELDS
        readonly=True,
        help="The credit hold was set by the dunning; it lifts it when no open "
        "invoice is at a credit-hold level any more. A hold set by a credit "
        "controller is never lifted by the dunning.",
    )
    dunning_ids = fields.One2many(
        "credit.dunning", "partner_id", string="Dunning History", readonly=True
    )
    credit_dso = fields.Float(
        string="DSO (days)",
        compute="_compute_credit_dso",
        digits=(16, 1),
        groups="account.group_account_invoice,account.group_account_readonly,"
        "credit_rating.group_credit_controller",
        help="Days sales outstanding: open receivables / invoiced sales of the "
        "last 90 days x 90 (company currency).",
    )

    # ------------------------------------------------------------------ computes
    @api.depends_context("company")
    def _compute_credit_dso(self):
        commercial = self.commercial_partner_id
        data = commercial.sudo()._credit_exposure_data()
        since = fields.Date.context_today(self) - timedelta(days=DSO_DAYS)
        sales = dict(
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", self.env.company.id),
                    ("commercial_partner_id", "in", commercial.ids),
                    ("state", "=", "posted"),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("invoice_date", ">=", since),
                ],
                ["commercial_partner_id"],
                ["amount_total_signed:sum"],
            )
        )
        for partner in self:
            cp = partner.commercial_partner_id
            sold = sales.get(cp, 0.0)
            receivable = data.get(cp.id, {}).get("receivable", 0.0)
            partner.credit_dso = (
                round(receivable / sold * DSO_DAYS, 1) if sold > 0 else 0.0
            )

    # ---------------------------------------------------------------------- CRUD
    def _control_guarded_fields(self):
        fields_ = super()._control_guarded_fields()
        fields_.update(dunning_level_id="engine", credit_hold_dunning="engine")
        return fields_

    def write(self, vals):
        res = super().write(vals)
        if "credit_hold" in vals and "credit_hold_dunning" not in vals:
            # A credit controller set or lifted the hold: it is theirs now, the
            # dunning never lifts it.
            self.sudo().filtered("credit_hold_dunning").write(
                {"credit_hold_dunning": False}
            )
        return res

    def _credit_statement_filename(self):
        """File name of the customer statement (the report attached to the
        dunning mails), without extension, in the context's language."""
        self.ensure_one()
        return self.env._(
            "Customer Statement - %(partner)s",
            partner=self.commercial_partner_id.name or "",
        )

    # ------------------------------------------------------------------- actions
    def action_dunning_run(self):
        """Run the dunning of these customers (all customers when called on no
        record) in the current company. Credit controllers only.

        :return: dict with the number of ``customers`` looked at, the
            communications ``sent`` and ``skipped``, the ``invoices`` whose
            level rose, the credit ``holds`` set and ``lifted``
        """
        if not self._is_credit_controller():
            raise AccessError(
                self.env._(
                    "Only credit controllers may run the dunning (user %(user)s).",
                    user=self.env.user.name,
                )
            )
        if self:
            self.check_access("read")
        partners = self.commercial_partner_id if self else None
        return self.sudo()._dunning_run(self.env.company, partners)

    @api.model
    def _dunning_action_run_all(self):
        """Menu Run Dunning: every customer of the company; a notification
        with the figures."""
        summary = self.browse().action_dunning_run()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Dunning run"),
                "message": self.env._(
                    "%(customers)s customers looked at: %(sent)s communications "
                    "sent, %(skipped)s skipped, %(holds)s customers put on hold, "
                    "%(lifted)s holds lifted.",
                    **summary,
                ),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _cron_dunning_run(self):
        """Daily: the dunning of every company with levels, committed after each
        batch of customers so that a crash loses no sent state; the customer
        statements are rendered by the mail queue when the mails leave."""
        companies = self.env["credit.dunning.level"].sudo().search([]).company_id
        for company in companies:
            self.sudo().with_company(company)._dunning_run(company, commit=True)
        return True

    # ------------------------------------------------------------------- the run
    @api.model
    def _dunning_summary(self):
        return dict.fromkeys(
            ("customers", "sent", "skipped", "invoices", "holds", "lifted"), 0
        )

    @api.model
    def _dunning_run(self, company, partners=None, commit=False, defer_statements=None):
        """The dunning of ``partners`` (None: every candidate) in ``company``,
        by batches of customers; runs as superuser.

        :param commit: commit after each batch (the cron)
        :param defer_statements: leave the customer statements to the mail
            queue, which renders them when the mails leave (default: as
            ``commit``); otherwise they are rendered in the run, one PDF
            engine run per batch, and the queued mails carry them
        """
        if defer_statements is None:
            defer_statements = commit
        self = self.sudo().with_company(company)
        summary = self._dunning_summary()
        levels = self.env["credit.dunning.level"]._levels_by_company(company)[
            company.id
        ]
        if not levels:
            return summary
        today = fields.Date.context_today(self)
        ids = (
            partners.ids
            if partners is not None
            else self._dunning_candidate_ids(company, today)
        )
        # As Odoo's own jobs do (account.move._can_commit): never under tests.
        auto_commit = commit and not (
            config["test_enable"]
            or modules.module.current_test
            or self.env.registry.in_test_mode()
        )
        done = 0
        for batch in split_every(DUNNING_BATCH_SIZE, ids):
            self.browse(batch)._dunning_run_batch(
                company, levels, today, summary, defer_statements
            )
            done += len(batch)
            if auto_commit:
                self.env["ir.cron"]._notify_progress(
                    done=done, remaining=len(ids) - done
                )
                # Each batch's mails, levels and holds are kept even if a
                # later batch fails (the cron's own transaction would lose
                # them all).
                self.env.cr.commit()  # pylint: disable=invalid-commit
        _logger.info("Dunning of %s: %s", company.name, summary)
        return summary

    @api.model
    def _dunning_candidate_ids(self, company, today):
        """Customers with overdue receivables in ``company``, or a dunning
        level or a dunning hold to review there."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT l.partner_id
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id
                 WHERE l.company_id = %(company)s
                   AND l.parent_state = 'posted'
                   AND a.account_type = 'asset_receivable'
                   AND l.reconciled IS NOT TRUE
                   AND l.amount_residual > 0
                   AND l.partner_id IS NOT NULL
                   AND COALESCE(l.date_maturity, l.date) < %(today)s
                """,
                company=company.id,
                today=today,
            )
        )
        ids = {row[0] for row in rows}
        ids.update(
            self.with_context(active_test=False)
            .search(
                [
                    "|",
                    ("dunning_level_id", "!=", False),
                    ("credit_hold_dunning", "=", True),
                ]
            )
            .ids
        )
        return sorted(ids)

    def _dunning_invoice_rows(self, company, today):
        """{partner id: [row]} of the open customer invoices of these customers,
        from the shared definition of open and overdue (one query)."""
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT o.partner_id, o.move_id,
                       MIN(o.date_maturity) FILTER (
                           WHERE o.date_maturity < %(today)s AND o.open_amount > 0
                       ) AS due,
                       COALESCE(SUM(o.open_amount) FILTER (
                           WHERE o.date_maturity < %(today)s), 0) AS overdue,
                       SUM(o.open_amount) AS open,
                       m.dunning_level_id AS level_id,
                       m.dunning_promise_date AS promise,
                       m.dunning_dispute AS dispute
                  FROM (%(open_items)s) o
                  JOIN account_move m ON m.id = o.move_id
                 WHERE m.move_type = 'out_invoice'
              GROUP BY o.partner_id, o.move_id, m.dunning_level_id,
                       m.dunning_promise_date, m.dunning_dispute
                HAVING SUM(o.open_amount) > 0
              ORDER BY MIN(o.date_maturity), o.move_id
                """,
                today=today,
                open_items=open_items_query(
                    SQL(
                        "l.company_id = %s AND l.partner_id IN %s",
                        company.id,
                        tuple(self.ids),
                    )
                ),
            )
        )
        result = {}
        for row in rows:
            result.setdefault(row["partner_id"], []).append(row)
        return result

    def _dunning_run_batch(
        self, company, levels, today, summary, defer_statements=False
    ):
        """One batch of the run: a constant number of queries whatever the
        number of customers, invoices and history."""
        currency = company.currency_id
        min_amount = company._control_setting("dunning_min_amount")
        rows_by_partner = self._dunning_invoice_rows(company, today)
        level_by_id = {level.id: level for level in levels}
        # Communications already made today (idempotence within a day).
        dunned_today = {
            partner.id
            for [partner] in self.env["credit.dunning"]._read_group(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", self.ids),
                    ("date", "=", today),
                ],
                ["partner_id"],
            )
        }
        raises = {}  # level: moves reaching it today
        partner_levels = {}  # level: partners
        dunning_vals = []
        holds = self.browse()
        lifts = self.browse()
        for partner in self:
            summary["customers"] += 1
            rows = rows_by_partner.get(partner.id, [])
            listed = []
            raised = False
            hold_raised = False
            keeps_hold = False
            top = levels.browse()
            for row in rows:
                current = level_by_id.get(row["level_id"], levels.browse())
                if (
                    row["dispute"]
                    or currency.compare_amounts(row["open"], min_amount) < 0
                ):
                    continue
                level = current
                dunnable = (
                    row["due"]
                    and currency.compare_amounts(row["overdue"], min_amount) >= 0
                    and not (row["promise"] and row["promise"] >= today)
                )
                if dunnable and partner.id not in dunned_today:
                    target = levels._level_for_days(levels, (today - row["due"]).days)
                    if target and (
                        not current or target.days_overdue > current.days_overdue
                    ):
                        level = target
                        raised = True
                        hold_raised |= target.credit_hold
                        raises.setdefault(target, []).append(row["move_id"])
                if dunnable and level:
                    listed.append((row, level))
                if level:
                    keeps_hold |= level.credit_hold
                    if not top or level.days_overdue > top.days_overdue:
                        top = level
            if partner.dunning_level_id != top:
                partner_levels.setdefault(top, self.browse())
                partner_levels[top] |= partner
            if hold_raised and not partner.credit_hold:
                holds |= partner
            elif partner.credit_hold_dunning and partner.credit_hold and not keeps_hold:
                lifts |= partner
            if raised:
                # The communication's level: the highest of the listed invoices.
                mail_level = max(
                    (level for _row, level in listed), key=lambda lv: lv.days_overdue
                )
                dunning_vals.append(
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "level_id": mail_level.id,
                        "date": today,
                        "amount_overdue": currency.round(
                            sum(row["overdue"] for row, _level in listed)
                        ),
                        "invoice_ids": [
                            fields.Command.set(
                                [row["move_id"] for row, _level in listed]
                            )
                        ],
                        "state": "sent",
                    }
                )
        self._dunning_apply_levels(raises, today)
        for level, partners in partner_levels.items():
            partners.write({"dunning_level_id": level.id})
        summary["invoices"] += sum(len(moves) for moves in raises.values())
        dunnings = self._dunning_communicate(dunning_vals, summary, defer_statements)
        self._dunning_escalate(holds, lifts, summary)
        return dunnings

    def _dunning_apply_levels(self, raises, today):
        """Raise the invoices' levels: one statement per level."""
        for level, move_ids in raises.items():
            # The engine's own fields: no business logic of account.move
            # depends on them, and the ORM write of posted moves (their
            # hashing, lock dates and totals checks) is not needed here.
            self.env.execute_query(
                SQL(
                    "UPDATE account_move SET dunning_level_id = %s, dunning_date = %s "
                    "WHERE id IN %s",
                    level.id,
                    today,
                    tuple(move_ids),
                )
            )
        if raises:
            self.env["account.move"].invalidate_model(
                ["dunning_level_id", "dunning_date"]
            )

    def _dunning_communicate(self, dunning_vals, summary, defer_statements=False):
        """Record the communications, queue their mails (one batch per
        template) with the customer statements (rendered here, or when the
        mails leave if ``defer_statements``), log them and schedule the
        levels' activities."""
        if not dunning_vals:
            return self.env["credit.dunning"]
        dunnings = self.env["credit.dunning"].sudo().create(dunning_vals)
        to_send = {}
        skipped = {}
        for dunning in dunnings:
            template = dunning.level_id.mail_template_id
            if not template:
                skipped.setdefault(
                    self.env._("The level has no e-mail template."), []
                ).append(dunning.id)
            elif not dunning.partner_id.email:
                skipped.setdefault(
                    self.env._("The customer has no e-mail address."), []
                ).append(dunning.id)
            else:
                to_send.setdefault(template, []).append(dunning.id)
        for reason, ids in skipped.items():
            dunnings.browse(ids).write({"state": "skipped", "skip_reason": reason})
        with_statement = dunnings.browse(
            [dunning_id for ids in to_send.values() for dunning_id in ids]
        ).filtered("level_id.attach_statement")
        if defer_statements:
            # The mail queue renders them (mail.mail._credit_dunning_attach_statements).
            with_statement.write({"statement_pending": True})
        else:
            # The batch's statements in one PDF engine run; the mails pick
            # them up (credit.dunning._process_attachments_for_template_post).
            with_statement._statement_attach()
        for template, ids in to_send.items():
            template.sudo().send_mail_batch(ids)
        summary["sent"] += sum(len(ids) for ids in to_send.values())
        summary["skipped"] += sum(len(ids) for ids in skipped.values())
        log_vals = []
        log = self.env["control.log"]
        for dunning in dunnings:
            log_vals += log._prepare_log_vals(
                "dunning",
                dunning.partner_id,
                self.env._(
                    "Dunning level %(level)s for %(partner)s: %(count)s overdue "
                    "invoices, %(amount)s (%(state)s).",
                    level=dunning.level_id.name,
                    partner=dunning.partner_id.name,
                    count=len(dunning.invoice_ids),
                    amount=format_amount(
                        self.env, dunning.amount_overdue, dunning.currency_id
                    ),
                    state=dict(
                        dunning._fields["state"]._description_selection(self.env)
                    )[dunning.state],
                ),
                amount=dunning.amount_overdue,
                company=dunning.company_id,
                control="dunning",
            )
        log.sudo().create(log_vals)
        self._dunning_schedule_activities(dunnings)
        return dunnings

    def _dunning_schedule_activities(self, dunnings):
        """One activity per communication whose level asks for one."""
        dunnings = dunnings.filtered("level_id.create_activity")
        if not dunnings:
            return
        company = dunnings.company_id[:1]
        controllers = (
            self.env.ref("credit_rating.group_credit_controller")
            .users.filtered(lambda u: not u.share and company in u.company_ids)
            .sorted("id")
        )
        controller = controllers.filtered(
            lambda u: u.id != self.env.ref("base.user_root").id
        )[:1]
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("res.partner")
        vals_list = []
        for dunning in dunnings:
            level = dunning.level_id
            user = controller
            if level.activity_user == "salesperson" and dunning.partner_id.user_id:
                user = dunning.partner_id.user_id
            if not user:
                continue
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": dunning.partner_id.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "date_deadline": dunning.date,
                    "summary": self.env._(
                        "Dunning %(level)s: follow up %(partner)s",
                        level=level.name,
                        partner=dunning.partner_id.name,
                    ),
                    "note": self.env._(
                        "%(count)s overdue invoices, %(amount)s overdue.",
                        count=len(dunning.invoice_ids),
                        amount=format_amount(
                            self.env, dunning.amount_overdue, dunning.currency_id
                        ),
                    ),
                }
            )
        if vals_list:
            self.env["mail.activity"].sudo().with_context(
                mail_activity_quick_update=True
            ).create(vals_list)

    def _dunning_escalate(self, holds, lifts, summary):
        """Set the holds of customers reaching a credit-hold level; lift the
        dunning's own holds of customers no longer at such a level."""
        log = self.env["control.log"]
        log_vals = []
        if holds:
            holds.write({"credit_hold": True, "credit_hold_dunning": True})
            for partner in holds:
                log_vals += log._prepare_log_vals(
                    "dunning",
                    partner,
                    self.env._(
                        "%(partner)s put on credit hold by dunning level %(level)s.",
                        partner=partner.name,
                        level=partner.dunning_level_id.name,
                    ),
                    company=self.env.company,
                    control="dunning",
                )
        if lifts:
            lifts.write({"credit_hold": False, "credit_hold_dunning": False})
            for partner in lifts:
                log_vals += log._prepare_log_vals(
                    "dunning",
                    partner,
                    self.env._(
                        "Credit hold of %(partner)s set by dunning lifted: no open "
                        "invoice is at a credit-hold level any more.",
                        partner=partner.name,
                    ),
                    company=self.env.company,
                    control="dunning",
                )
        if log_vals:
            log.sudo().create(log_vals)
        summary["holds"] += len(holds)
        summary["lifted"] += len(lifts)
