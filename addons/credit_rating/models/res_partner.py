import json

import psycopg2.errors

from odoo import SUPERUSER_ID, api, fields, models, tools
from odoo.addons.sales_internal_control.models.control_tools import (
    check_finite,
    is_finite_number,
    replace_query_function,
)
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_amount

from . import credit_queue
from .credit_exposure_ledger import FOLD_ROWS, LOCK_TABLE
from .credit_open_items import (
    draft_invoices_sql,
    open_age_totals_query,
    open_order_lines_sql,
    open_totals_query,
)

CREDIT_GRADES = [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")]

# Fields only credit controllers may change (checked in create/write).
CREDIT_PROTECTED_FIELDS = (
    "credit_limit",
    "use_partner_credit_limit",
    "credit_hold",
    "credit_strategic",
    "credit_grade_override",
    "registered_capital",
)
# Fields only the scoring engine writes (as superuser).
CREDIT_ENGINE_FIELDS = ("credit_grade", "credit_score", "credit_score_date")
# Company-dependent fields Odoo would index by default ((field IS NOT NULL)
# WHERE field IS NOT NULL): that index cannot pick out few partners (the
# scores and grades are set on every scored partner; a hold or a strategic
# flag once written stays non-null, false), and every query that reads
# res_partner pays for it at planning and every write of a partner's row
# at execution (PostgreSQL's time per sale confirmation: some 0.1-0.3 ms
# less without these seven, within the noise of the measure; perf samples,
# 2026-12-02). Their searches (list filters, the dunning's daily run, the
# scorecard's cron) read the table.
NO_INDEX_FIELDS = (
    "credit_score",
    "credit_grade",
    "credit_grade_override",
    "credit_score_date",
    "credit_hold",
    "credit_strategic",
    "credit_hold_dunning",
)
# What the credit check reads of a commercial partner: (key, field).
CREDIT_CHECK_FIELDS = (
    ("limit", "credit_limit"),
    ("hold", "credit_hold"),
    ("hold_dunning", "credit_hold_dunning"),
    ("grade", "credit_grade"),
    ("strategic", "credit_strategic"),
)


class ResPartner(models.Model):
    _name = "res.partner"
    # control.finite.mixin first: it refuses NaN before the guard reads values.
    _inherit = ["res.partner", "control.finite.mixin", "control.guarded.mixin"]

    credit_score = fields.Integer(
        company_dependent=True,
        index=False,  # see NO_INDEX_FIELDS
        readonly=True,
        help="Score (0-100) given by the company's active scorecard at the last "
        "rescoring.",
    )
    credit_grade = fields.Selection(
        CREDIT_GRADES,
        company_dependent=True,
        index=False,  # see NO_INDEX_FIELDS
        readonly=True,
        help="Effective credit grade: the override if set, otherwise the grade "
        "of the last score.",
    )
    credit_grade_override = fields.Selection(
        CREDIT_GRADES,
        string="Grade Override",
        company_dependent=True,
        index=False,  # see NO_INDEX_FIELDS
        help="Set by a credit controller; replaces the scored grade.",
    )
    credit_score_date = fields.Date(
        string="Last Scored",
        company_dependent=True,
        index=False,  # see NO_INDEX_FIELDS
        readonly=True,
    )
    credit_hold = fields.Boolean(
        company_dependent=True,
        index=False,  # see NO_INDEX_FIELDS
        help="No sale order of this customer can be confirmed.",
    )
    credit_strategic = fields.Boolean(
        string="Strategic Customer",
        company_dependent=True,
        index=False,  # see NO_INDEX_FIELDS
        help="When a credit check fails, the order goes to approval by a credit "
        "controller instead of being blocked.",
    )
    registered_capital = fields.Monetary(
        currency_field="currency_id",
        help="Registered capital of the company, in company currency; a factor "
        "of the scorecard.",
    )
    credit_receivable_amount = fields.Monetary(
        string="Open Receivables",
        compute="_compute_credit_exposure",
        currency_field="currency_id",
        # Odoo's groups of credit and credit_limit, and credit controllers.
        groups="account.group_account_invoice,account.group_account_readonly,"
        "credit_rating.group_credit_controller",
    )
    credit_order_amount = fields.Monetary(
        string="Orders Not Invoiced",
        compute="_compute_credit_exposure",
        currency_field="currency_id",
        groups="account.group_account_invoice,account.group_account_readonly,"
        "credit_rating.group_credit_controller",
    )
    credit_draft_invoice_amount = fields.Monetary(
        string="Draft Invoices",
        compute="_compute_credit_exposure",
        currency_field="currency_id",
        groups="account.group_account_invoice,account.group_account_readonly,"
        "credit_rating.group_credit_controller",
    )
    credit_exposure = fields.Monetary(
        compute="_compute_credit_exposure",
        currency_field="currency_id",
        groups="account.group_account_invoice,account.group_account_readonly,"
        "credit_rating.group_credit_controller",
        help="Posted open receivables + confirmed sale orders not invoiced yet + "
        "draft customer invoices, in company currency.",
    )
    credit_available = fields.Monetary(
        compute="_compute_credit_exposure",
        currency_field="currency_id",
        groups="account.group_account_invoice,account.group_account_readonly,"
        "credit_rating.group_credit_controller",
        help="Credit limit minus exposure (0 when no limit is set).",
    )
    credit_overdue_amount = fields.Monetary(
        string="Overdue Amount",
        compute="_compute_credit_exposure",
        currency_field="currency_id",
        groups="account.group_account_invoice,account.group_account_readonly,"
        "credit_rating.group_credit_controller",
    )
    credit_is_controller = fields.Boolean(compute="_compute_credit_is_controller")

    # ------------------------------------------------------------------ computes
    @api.depends_context("company")
    def _compute_credit_exposure(self):
        commercial = self.commercial_partner_id
        data = commercial._credit_exposure_data()
        limits = {p.id: p.sudo().credit_limit for p in commercial}
        for partner in self:
            cid = partner.commercial_partner_id.id
            values = data.get(cid) or dict.fromkeys(
                ("receivable", "overdue", "order", "draft", "exposure"), 0.0
            )
            partner.credit_receivable_amount = values["receivable"]
            partner.credit_order_amount = values["order"]
            partner.credit_draft_invoice_amount = values["draft"]
            partner.credit_overdue_amount = values["overdue"]
            partner.credit_exposure = values["exposure"]
            limit = limits.get(cid) or 0.0
            partner.credit_available = limit - values["exposure"] if limit else 0.0

    @api.depends_context("uid")
    def _compute_credit_is_controller(self):
        self.credit_is_controller = self.env.user.has_group(
            "credit_rating.group_credit_controller"
        )

    # --------------------------------------------------------------- constraints
    @api.constrains("credit_limit", "registered_capital")
    def _check_credit_amounts(self):
        for partner in self:
            for name in ("credit_limit", "registered_capital"):
                check_finite(
                    self.env,
                    partner.sudo()[name],
                    self._fields[name]._description_string(self.env),
                    partner.display_name,
                )
            if partner.sudo().credit_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The credit limit of %(partner)s cannot be negative "
                        "(%(limit)s).",
                        partner=partner.display_name,
                        limit=partner.sudo().credit_limit,
                    )
                )
            if partner.registered_capital < 0:
                raise ValidationError(
                    self.env._(
                        "The registered capital of %(partner)s cannot be negative "
                        "(%(amount)s).",
                        partner=partner.display_name,
                        amount=partner.registered_capital,
                    )
                )

    # ----------------------------------------------------------------------- CRUD
    def _control_guarded_fields(self):
        # Checked on the final values of create (after defaults) and write.
        fields_ = super()._control_guarded_fields()
        fields_.update(dict.fromkeys(CREDIT_ENGINE_FIELDS, "engine"))
        fields_.update(dict.fromkeys(CREDIT_PROTECTED_FIELDS, "credit"))
        return fields_

    def _control_guard_allowed(self, guard):
        if guard == "credit":
            return self._is_credit_controller()
        return super()._control_guard_allowed(guard)

    def _control_guard_message(self, guard, field_names):
        labels = ", ".join(self._fields[name].string for name in field_names)
        if guard == "credit":
            return self.env._(
                "Only credit controllers may change %(fields)s (user %(user)s, "
                "partners %(partners)s).",
                fields=labels,
                user=self.env.user.name,
                partners=", ".join(self.mapped("display_name")) or "-",
            )
        return self.env._(
            "%(fields)s of %(partner)s are set by the credit scorecard only (user "
            "%(user)s); a credit controller may set a grade override instead.",
            fields=labels,
            partner=", ".join(self.mapped("display_name")) or self._description,
            user=self.env.user.name,
        )

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        # A grade override given at creation takes effect at once.
        partners.filtered("credit_grade_override").sudo()._credit_apply_override()
        if any(vals.get("credit_strategic") for vals in vals_list):
            self.env.registry.clear_cache()  # _credit_has_strategic
        return partners

    def write(self, vals):
        res = super().write(vals)
        if "credit_grade_override" in vals:
            self.sudo()._credit_apply_override()
        if "credit_strategic" in vals:
            self.env.registry.clear_cache()  # _credit_has_strategic
        return res

    @api.model
    @tools.ormcache("company_id")
    def _credit_has_strategic(self, company_id):
        """Whether any customer is strategic in the company (by its own flag
        or the company's default): when none is, the approval engine does
        not look the customers of the orders up (a query at each
        confirmation). Cached; a change of a flag clears the cache (as a
        change of a default does), and other workers see it at their next
        request. A stale "none" sends an order over its credit to a block
        instead of an approval, never the other way."""
        partners = self.sudo().with_company(company_id)
        return bool(
            self.env.execute_query(
                SQL(
                    "SELECT EXISTS (SELECT FROM res_partner p WHERE %s)",
                    partners._field_to_sql("p", "credit_strategic"),
                )
            )[0][0]
        )

    def _is_credit_controller(self):
        return self.env.su or self.env.user.has_group(
            "credit_rating.group_credit_controller"
        )

    def _credit_apply_override(self):
        """The effective grade follows the override, or the last score."""
        scorecards = self.env["credit.scorecard"]._get_active(self.env.company)
        for partner in self:
            grade = partner.credit_grade_override
            if not grade and scorecards and partner.credit_score_date:
                grade = scorecards._grade_for_score(partner.credit_score)
            if partner.credit_grade != (grade or False):
                partner._credit_set_grade(grade or False)

    def _credit_set_grade(self, grade, score=None):
        """Set the effective grade, record and post the change."""
        self.ensure_one()
        old = self.credit_grade
        self.credit_grade = grade
        if old == grade:
            return
        self.env["credit.grade.history"].sudo().create(
            {
                "partner_id": self.id,
                "company_id": self.env.company.id,
                "old_grade": old or False,
                "new_grade": grade or False,
                "score": score if score is not None else self.credit_score,
            }
        )
        self._message_log(
            body=self.env._(
                "Credit grade changed from %(old)s to %(new)s (score %(score)s, "
                "company %(company)s).",
                old=old or "-",
                new=grade or "-",
                score=score if score is not None else self.credit_score,
                company=self.env.company.name,
            ),
        )

    # -------------------------------------------------------------------- exposure
    def _credit_exposure_data(self):
        """Exposure buckets of the commercial partners in ``self``.

        One grouped query per bucket, whatever the number of partners and
        documents, in the current company's currency. Returns
        ``{partner_id: {receivable, overdue, order, draft, exposure}}``.
        """
        company = self.env.company
        ids = self.commercial_partner_id.ids
        if not ids:
            return {}
        # Flush everything at once: flushing only the fields read here would
        # split the pending updates of the orders being confirmed in two.
        self.env.flush_all()
        # Read from the ledger (credit_exposure_ledger.py), as the check does.
        rows = self.env.execute_query(
            self._credit_ledger_query(
                SQL("%s", company.id),
                SQL("%s", tuple(ids)),
                fields.Date.context_today(self),
            )
        )
        return self._credit_exposure_fold(company, rows, ids)

    @api.model
    def _credit_exposure_query(self, company, ids=None, today=None, by_age=False):
        """SQL of the exposure buckets, rows ``(bucket, partner_id, amount,
        overdue)``, of the commercial partners ``ids`` (SQL: a tuple or a
        sub-select; every customer when None: the dashboard) in ``company`` (a
        record, or SQL of its id), overdue as of ``today`` (the user's today
        when None).

        One statement, one grouped sub-query per bucket. Receivables come
        from open_totals_query, the totals of the definition of open and
        overdue that the aging report and the dunning share (credits netted,
        oldest debits first). The ORM equivalents (gross lines) are
        _credit_receivable_domain, _credit_order_line_domain and
        _credit_draft_invoice_domain (used by the drill-down actions).

        With ``by_age``, the receivables come from open_age_totals_query
        instead, one row per customer and aging bucket as of ``today`` (SQL
        or a date), a fifth column ``age`` (NULL for the other buckets):
        the same amounts, overdue being the buckets past due.
        """
        today = today or self._credit_today()
        company_id = company if isinstance(company, SQL) else company.id
        if ids is None:
            in_lines = in_orders = in_moves = SQL("TRUE")
        else:
            in_lines = SQL("l.partner_id IN %s", ids)
            in_orders = SQL("p.commercial_partner_id IN %s", ids)
            in_moves = SQL("m.commercial_partner_id IN %s", ids)
        where = SQL("l.company_id = %s AND %s", company_id, in_lines)
        if by_age:
            receivable = SQL(
                """
                SELECT 'receivable', o.partner_id, o.open_amount,
                       CASE WHEN o.age != 'not_due' THEN o.open_amount ELSE 0 END,
                       o.age
                  FROM (%s) o
                """,
                open_age_totals_query(where, today),
            )
            age = SQL(", NULL")
        else:
            receivable = SQL(
                """
                SELECT 'receivable', o.partner_id, o.open_amount, o.overdue_amount
                  FROM (%s) o
                """,
                open_totals_query(where, today),
            )
            age = SQL()
        return SQL(
            """
            %(receivable)s
            UNION ALL
            SELECT 'order', p.commercial_partner_id, SUM(o.credit_open_amount), 0
                   %(age)s
              FROM (SELECT sol.order_partner_id, sol.credit_open_amount
                      FROM %(orders)s) o
              JOIN res_partner p ON p.id = o.order_partner_id
             WHERE %(in_orders)s
          GROUP BY p.commercial_partner_id
            UNION ALL
            SELECT 'draft', m.commercial_partner_id, SUM(m.amount_total_signed), 0
                   %(age)s
              FROM %(drafts)s
          GROUP BY m.commercial_partner_id
            """,
            receivable=receivable,
            age=age,
            orders=open_order_lines_sql(SQL("sol.company_id = %s", company_id)),
            in_orders=in_orders,
            drafts=draft_invoices_sql(
                SQL("m.company_id = %s AND %s", company_id, in_moves)
            ),
        )

    @api.model
    def _credit_exposure_fold(self, company, rows, ids):
        """``{partner_id: buckets}`` of ``ids`` from the rows of
        :meth:`_credit_exposure_query`."""
        result = {
            pid: dict.fromkeys(
                ("receivable", "overdue", "order", "draft", "exposure"), 0.0
            )
            for pid in ids
        }
        for bucket, pid, amount, overdue in rows:
            if pid in result and bucket in result[pid]:
                result[pid][bucket] += amount or 0.0
                if bucket == "receivable":
                    result[pid]["overdue"] = overdue or 0.0
        for values in result.values():
            values["exposure"] = company.currency_id.round(
                values["receivable"] + values["order"] + values["draft"]
            )
        return result

    @api.model
    def _credit_locked_check_data(self, partner_ids):
        """Lock the commercial partners of ``partner_ids`` (customers of the
        orders under check, contacts included) and read everything their
        credit check needs, in one statement, in the current company.

        The lock rewrites the customers' rows of ``credit_exposure_lock``
        (:data:`LOCK_TABLE`, inserted at their first check): a second
        transaction checking the same customer waits for the first one and
        then, under Odoo's REPEATABLE READ isolation, fails with a
        serialization error and is retried, seeing what the first one
        committed. A write lock, not a ``SELECT ... FOR UPDATE``, which would
        let the second one read its older snapshot. The rows are the
        table's, not the partners' own (as ``control.log._lock_for_check``
        rewrites documents): a write of ``res_partner`` opens and locks each
        of its some 40 indexes. Every part of the statement reads the
        transaction's snapshot, so the lock in a sub-statement guards the
        exposure read with it as a separate statement would.

        The statement is :meth:`_credit_locked_check_query` run through the
        database function :attr:`_CREDIT_CHECK_FUNCTION`.

        :return: ``(commercial, data)``: ``{partner id: commercial partner
            id}`` and ``{commercial partner id: values}``, values being the
            buckets of :meth:`_credit_exposure_data` and the partner's
            ``limit``, ``hold``, ``hold_dunning``, ``grade``, ``strategic``
            and the ``blocked_grades`` of the company (see
            :meth:`_credit_partner_values`)
        """
        company = self.env.company
        if not partner_ids:
            return {}, {}
        partners = self.sudo().with_company(company)
        # Pending changes of the documents counted in the exposure.
        self.env.flush_all()
        try:
            rows = self.env.execute_query(
                SQL(
                    "SELECT * FROM %s(%s::int[], %s, %s::date, %s::jsonb, %s)",
                    SQL.identifier(self._CREDIT_CHECK_FUNCTION),
                    sorted(set(partner_ids)),
                    company.id,
                    self._credit_today(),
                    json.dumps(partners._credit_check_fallbacks()),
                    credit_queue.may_take_turns(self.env.cr, partner_ids),
                )
            )
        except psycopg2.errors.SerializationFailure:
            # Another confirmation of the customer committed first: Odoo
            # runs the request again, which then takes its turn.
            credit_queue.lost(self.env.cr, partner_ids)
            raise
        commercial, partner_rows, grades, exposure_rows = {}, {}, set(), []
        crowded = []
        for bucket, pid, amount, overdue, extra in rows:
            if bucket == "contact":
                commercial[pid] = extra
            elif bucket == "partner":
                partner_rows[pid] = extra
            elif bucket == "blocked_grade":
                grades.add(extra)
            elif bucket == "rows":
                if amount > FOLD_ROWS:
                    crowded.append(pid)
            else:
                exposure_rows.append((bucket, pid, amount, overdue))
        if crowded:
            self._credit_ledger_fold(crowded, company.id)
        data = self._credit_exposure_fold(company, exposure_rows, partner_rows)
        grades |= company._credit_blocked_grades()
        for pid, values in partner_rows.items():
            data[pid].update(
                limit=float(values["limit"] or 0.0),
                hold=bool(values["hold"]),
                hold_dunning=bool(values["hold_dunning"]),
                grade=values["grade"] or False,
                strategic=bool(values["strategic"]),
                blocked_grades=grades,
            )
        return commercial, data

    # The confirmation's credit statement as a PL/pgSQL function
    # (control_tools.replace_query_function): sent as text, it was planned
    # again at every confirmation (1.4 ms of the 1.8 it took). Its body is
    # _credit_locked_check_query itself, written when the module is
    # installed or updated, with the customers, the company, the day and the
    # ir.default fallbacks of the company-dependent fields as parameters.
    _CREDIT_CHECK_FUNCTION = "credit_rating_lock_and_measure"

    @api.model
    def _credit_check_fallbacks(self):
        """``{key: value}`` of the ir.default fallbacks of CREDIT_CHECK_FIELDS
        in the current company (what ``_field_to_sql`` inlines, e.g. the
        default credit limit of Settings), for the ones that have one. The
        stored default is the column's JSON value (numbers, booleans and
        selection keys here), read once for all the fields from Odoo's
        cache of ``ir.default`` (``Field.get_company_dependent_fallback``
        reads it again per field)."""
        defaults = (
            self.env["ir.default"]
            .with_user(SUPERUSER_ID)
            .with_company(self.env.company)
            ._get_model_defaults(self._name)
        )
        return {
            key: defaults[fname]
            for key, fname in CREDIT_CHECK_FIELDS
            if defaults.get(fname) not in (None, False, 0)
        }

    @api.model
    def _credit_locked_check_query(self, partner_ids, company_id, today, fallbacks):
        """SQL of the lock and read of :meth:`_credit_locked_check_data`, rows
        ``(bucket, partner id, amount, overdue, extra)``; every argument is
        SQL: the ids (an array), the company id, the day and the fallbacks
        (jsonb, see :meth:`_credit_check_fallbacks`)."""
        columns = []
        for key, fname in CREDIT_CHECK_FIELDS:
            field = self._fields[fname]
            # What _field_to_sql writes for a company-dependent field, with
            # the company and the fallback as parameters.
            columns.append(
                SQL(
                    "%s::text, (COALESCE(%s -> %s::text, %s -> %s) ->> 0)::%s",
                    key,
                    SQL.identifier("p", fname),
                    company_id,
                    fallbacks,
                    key,
                    SQL(field._column_type[1]),
                )
            )
        # The policies of the active scorecard (credit.scorecard._get_active:
        # the latest active one of the company) that block a grade.
        return SQL(
            """
            WITH contact AS (
                SELECT id, commercial_partner_id
                  FROM res_partner
                 WHERE id = ANY(%(partner_ids)s)
            ), locked AS (
                INSERT INTO %(lock)s AS k (partner_id)
                SELECT DISTINCT commercial_partner_id FROM contact ORDER BY 1
                    ON CONFLICT (partner_id) DO UPDATE SET checks = k.checks + 1
             RETURNING k.partner_id
            )
            SELECT e.bucket, e.partner_id, e.amount, e.overdue, NULL::jsonb
              FROM (%(exposure)s) e(bucket, partner_id, amount, overdue)
            UNION ALL
            SELECT 'contact', id, 0, 0, to_jsonb(commercial_partner_id)
              FROM contact
            UNION ALL
            SELECT 'partner', p.id, 0, 0, jsonb_build_object(%(info)s)
              FROM res_partner p
             WHERE p.id IN (SELECT partner_id FROM locked)
            UNION ALL
            SELECT 'blocked_grade', NULL, 0, 0, to_jsonb(pol.grade)
              FROM credit_grade_policy pol
             WHERE pol.block_confirmation
               AND pol.scorecard_id = (
                   SELECT s.id FROM credit_scorecard s
                    WHERE s.company_id = %(company)s AND s.active
                 ORDER BY s.id DESC LIMIT 1)
            """,
            partner_ids=partner_ids,
            lock=SQL.identifier(LOCK_TABLE),
            info=SQL(", ").join(columns),
            company=company_id,
            exposure=self._credit_ledger_query(
                company_id,
                SQL("(SELECT commercial_partner_id FROM contact)"),
                today,
            ),
        )

    def init(self):
        result = super().init()
        # Odoo keeps an index it no longer declares: dropped here on update.
        for fname in NO_INDEX_FIELDS:
            self.env.cr.execute(
                SQL(
                    "DROP INDEX IF EXISTS %s",
                    SQL.identifier(tools.make_index_name(self._table, fname)),
                )
            )
        # fillfactor: room on each page for the rewritten rows (HOT updates,
        # the index untouched). No foreign key: a row left by a deleted or
        # merged partner is harmless, and the partner merge wizard rewrites
        # every foreign key to res_partner (here it would collide with the
        # destination's own row).
        self.env.cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS %s (
                    partner_id integer PRIMARY KEY,
                    checks bigint NOT NULL DEFAULT 0
                ) WITH (fillfactor = 50)
                """,
                SQL.identifier(LOCK_TABLE),
            )
        )
        replace_query_function(
            self.env.cr,
            self._CREDIT_CHECK_FUNCTION,
            [
                ("p_partner_ids", "int[]"),
                ("p_company_id", "int"),
                ("p_today", "date"),
                ("p_fallbacks", "jsonb"),
                ("p_turns", "boolean"),
            ],
            [
                ("r_bucket", "text"),
                ("r_partner_id", "int"),
                ("r_amount", "numeric"),
                ("r_overdue", "numeric"),
                ("r_extra", "jsonb"),
            ],
            self._credit_locked_check_query(
                SQL("p_partner_ids"),
                SQL("p_company_id"),
                SQL("p_today"),
                SQL("p_fallbacks"),
            ),
            # Each customer's turn first (credit_queue), in the order of
            # their ids, when the transaction may still take turns. One
            # customer's turn is first tried without waiting (no
            # subtransaction: the common case); otherwise, or when taken,
            # waited for TURN_WAIT at most (a turn held longer, e.g. stranded
            # on a pooler's connection, is passed: the row lock still holds).
            # Several customers are always taken in order: a try on one of
            # them while waiting for another could deadlock.
            prologue=SQL(
                """
                IF p_turns AND NOT (CASE
                    WHEN cardinality(p_partner_ids) = 1 THEN COALESCE(
                        (SELECT pg_try_advisory_xact_lock(%(ns)s, commercial_partner_id)
                           FROM res_partner WHERE id = p_partner_ids[1]),
                        FALSE)
                    ELSE FALSE END) THEN
                    DECLARE
                        previous_timeout text := current_setting('lock_timeout');
                    BEGIN
                        PERFORM set_config('lock_timeout', %(wait)s, true);
                        PERFORM pg_advisory_xact_lock(%(ns)s, c.id)
                           FROM (SELECT DISTINCT commercial_partner_id AS id
                                   FROM res_partner
                                  WHERE id = ANY(p_partner_ids)
                               ORDER BY 1) c;
                        PERFORM set_config('lock_timeout', previous_timeout, true);
                    EXCEPTION WHEN lock_not_available THEN
                        NULL;
                    END;
                END IF
                """,
                wait=credit_queue.TURN_WAIT,
                ns=credit_queue.ADVISORY_NAMESPACE,
            ),
        )
        return result

    def _credit_partner_values(self):
        """The credit fields of this commercial partner that the check reads,
        through the ORM (what :meth:`_credit_locked_check_data` reads in SQL)."""
        self.ensure_one()
        partner = self.sudo()
        grade = partner.credit_grade or False
        return {
            "limit": partner._credit_limit(),
            "hold": partner.credit_hold,
            "hold_dunning": partner.credit_hold_dunning,
            "grade": grade,
            "strategic": partner.credit_strategic,
            "blocked_grades": partner._credit_blocked_grades() if grade else set(),
        }

    def _credit_today(self):
        """Today as the user sees it (``fields.Date.context_today``). Without a
        time zone in the context (XML-RPC calls), the user's own, from
        ``res.users.context_get`` (cached, as for the web client's context):
        no read of the user's partner at each credit check."""
        tz = self.env.context.get("tz") or self.env.user.context_get().get("tz")
        return fields.Date.context_today(self.with_context(tz=tz or "UTC"))

    @api.model
    def _credit_order_line_domain(self, company, partner_ids):
        return [
            ("company_id", "=", company.id),
            ("order_partner_id.commercial_partner_id", "in", partner_ids),
            ("state", "=", "sale"),
            ("credit_open_amount", "!=", 0),
        ]

    @api.model
    def _credit_draft_invoice_domain(self, company, partner_ids):
        return [
            ("company_id", "=", company.id),
            ("commercial_partner_id", "in", partner_ids),
            ("state", "=", "draft"),
            # Draft credit notes do not lower the exposure until posted.
            ("move_type", "=", "out_invoice"),
        ]

    def _credit_limit(self):
        """Credit limit of the commercial partner in the current company (0: none)."""
        self.ensure_one()
        return self.commercial_partner_id.sudo().credit_limit or 0.0

    def _credit_blocked_grades(self):
        company = self.env.company
        grades = company._credit_blocked_grades()
        scorecard = self.env["credit.scorecard"].sudo()._get_active(company)
        grades |= set(
            scorecard.policy_ids.filtered("block_confirmation").mapped("grade")
        )
        return grades

    def _credit_evaluate(self, amount, data=None, exposure=None):
        """Check ``amount`` (company currency) against the credit rules.

        :param data: precomputed exposure buckets of the commercial partner,
            with its credit fields too when they come from
            :meth:`_credit_locked_check_data` (``self`` is then that
            commercial partner and nothing is read unless the check fails)
        :param exposure: exposure to use instead of the computed one (orders of
            the same batch already counted)
        :return: dict (see :meth:`credit_check`)
        """
        self.ensure_one()
        if data is not None and "limit" in data:
            partner = self.sudo()
        else:
            partner = self.commercial_partner_id.sudo()
            if data is None:
                data = partner._credit_exposure_data()[partner.id]
            data = dict(data, **partner._credit_partner_values())
        company = self.env.company
        if exposure is None:
            exposure = data["exposure"]
        limit = data["limit"]
        grade = data["grade"]
        currency = company.currency_id
        reasons = []
        if data["hold"] and data["hold_dunning"]:
            reasons.append(
                self.env._(
                    "%(partner)s is on credit hold set by dunning level %(level)s.",
                    partner=partner.name,
                    level=partner.dunning_level_id.name or "-",
                )
            )
        elif data["hold"]:
            reasons.append(
                self.env._("%(partner)s is on credit hold.", partner=partner.name)
            )
        if grade and grade in data["blocked_grades"]:
            reasons.append(
                self.env._(
                    "Credit grade %(grade)s is blocked in %(company)s.",
                    grade=grade,
                    company=company.name,
                )
            )
        if company._control_setting("credit_block_overdue") and data["overdue"] > 0:
            reasons.append(
                self.env._(
                    "%(partner)s has overdue receivables of %(overdue)s.",
                    partner=partner.name,
                    overdue=format_amount(self.env, data["overdue"], currency),
                )
            )
        total = exposure + amount
        if limit and currency.compare_amounts(total, limit) > 0:
            reasons.append(
                self.env._(
                    "Exposure %(exposure)s + this order %(amount)s = %(total)s "
                    "exceeds the credit limit %(limit)s by %(shortfall)s.",
                    exposure=format_amount(self.env, exposure, currency),
                    amount=format_amount(self.env, amount, currency),
                    total=format_amount(self.env, total, currency),
                    limit=format_amount(self.env, limit, currency),
                    shortfall=format_amount(self.env, total - limit, currency),
                )
            )
        return {
            "allowed": not reasons,
            "exposure": exposure,
            "limit": limit,
            "available": limit - exposure if limit else 0.0,
            "grade": grade,
            "reasons": reasons,
            "overdue": data["overdue"],
            "strategic": data["strategic"],
        }

    def credit_check(self, amount=0.0):
        """Would a new order of ``amount`` (company currency) pass the credit check?

        Read on the commercial partner, in the current company. Returns a dict
        with ``allowed``, ``exposure``, ``limit``, ``available``, ``grade`` and
        ``reasons`` (list of strings).
        """
        self.ensure_one()
        raw = amount
        try:
            # numbers, and numeric strings as XML-RPC clients may send them
            amount = float(amount or 0.0)
        except (TypeError, ValueError):
            amount = -1.0
        if amount < 0 or not is_finite_number(amount) or raw is True:
            raise UserError(
                self.env._(
                    "Credit check of %(partner)s: the amount must be a finite "
                    "positive number (got %(amount)s).",
                    partner=self.display_name,
                    amount=repr(raw),
                )
            )
        result = self._credit_evaluate(amount)
        return {
            key: result[key]
            for key in ("allowed", "exposure", "limit", "available", "grade", "reasons")
        }

    # --------------------------------------------------------------- drill-down
    def _credit_action(self, model, name, domain, views="list,form"):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": views,
            "domain": domain,
            "context": {"create": False},
        }

    def _credit_receivable_domain(self, overdue=False):
        partner = self.commercial_partner_id
        domain = [
            ("company_id", "=", self.env.company.id),
            ("partner_id", "=", partner.id),
            ("parent_state", "=", "posted"),
            ("account_type", "=", "asset_receivable"),
            ("reconciled", "=", False),
        ]
        if overdue:
            domain += [
                ("date_maturity", "<", fields.Date.context_today(self)),
                ("amount_residual", ">", 0),
            ]
        return domain

    def action_view_credit_receivables(self):
        self.ensure_one()
        return self._credit_action(
            "account.move.line",
            self.env._("Open Receivables of %(partner)s", partner=self.name),
            self._credit_receivable_domain(),
            "list",
        )

    def action_view_credit_overdue(self):
        self.ensure_one()
        return self._credit_action(
            "account.move.line",
            self.env._("Overdue Receivables of %(partner)s", partner=self.name),
            self._credit_receivable_domain(overdue=True),
            "list",
        )

    def action_view_credit_orders(self):
        self.ensure_one()
        lines = (
            self.env["sale.order.line"]
            .sudo()
            .search(
                self._credit_order_line_domain(
                    self.env.company, self.commercial_partner_id.ids
                )
            )
        )
        return self._credit_action(
            "sale.order",
            self.env._("Orders Not Invoiced of %(partner)s", partner=self.name),
            [("id", "in", lines.order_id.ids)],
        )

    def action_view_credit_draft_invoices(self):
        self.ensure_one()
        return self._credit_action(
            "account.move",
            self.env._("Draft Invoices of %(partner)s", partner=self.name),
            self._credit_draft_invoice_domain(
                self.env.company, self.commercial_partner_id.ids
            ),
        )

    # ----------------------------------------------------------------- rescoring
    def action_credit_rescore(self):
        """Rescore these customers with the company's active scorecard."""
        if not self._is_credit_controller():
            raise AccessError(
                self.env._(
                    "Only credit controllers may rescore customers (user %(user)s).",
                    user=self.env.user.name,
                )
            )
        scorecard = self.env["credit.scorecard"].sudo()._get_active(self.env.company)
        if not scorecard:
            raise UserError(
                self.env._(
                    "Company %(company)s has no active credit scorecard.",
                    company=self.env.company.name,
                )
            )
        scorecard._rescore_partners(self.commercial_partner_id)
        return True

    # -------------------------------------------------------------------- export
    def _credit_export_rows(self):
        """One row per commercial partner, with every exposure bucket.

        For credit controllers only. With nothing selected: every customer the
        user may read in the current (allowed) companies, or shared by all.
        """
        if not self._is_credit_controller():
            raise AccessError(
                self.env._(
                    "Only credit controllers may export credit exposure (user "
                    "%(user)s).",
                    user=self.env.user.name,
                )
            )
        if self:
            # Selected ids come from the client: a customer of a company the
            # user is not in raises AccessError.
            self.check_access("read")
            partners = self.commercial_partner_id
        else:
            partners = self.search(
                [
                    ("customer_rank", ">", 0),
                    ("parent_id", "=", False),
                    ("company_id", "in", [False, *self.env.companies.ids]),
                ]
            )
        partners = partners.sudo()
        data = partners._credit_exposure_data()
        rows = []
        for partner in partners.sorted("name"):
            values = data[partner.id]
            limit = partner.credit_limit or 0.0
            rows.append(
                (
                    partner.name,
                    partner.ref or "",
                    partner.credit_grade or "",
                    partner.credit_score,
                    partner.credit_hold and self.env._("Yes") or "",
                    partner.credit_strategic and self.env._("Yes") or "",
                    limit,
                    values["receivable"],
                    values["overdue"],
                    values["order"],
                    values["draft"],
                    values["exposure"],
                    limit - values["exposure"] if limit else 0.0,
                )
            )
        return rows

    def _credit_export_xlsx(self):
        """Download the credit exposure of these customers (or of every customer
        of the allowed companies); see :meth:`_credit_export_rows`."""
        rows = self._credit_export_rows()
        Export = self.env["control.xlsx.export"]
        levels = Export._xlsx_level_colors()
        # Grades in level colours; totals of the buckets (company currency),
        # not of the limits' headroom (Available is 0 without a limit).
        grades = {
            "A": levels["green"],
            "B": levels["yellow"],
            "C": levels["orange"],
            "D": levels["red"],
        }
        total = {"total": True}
        headers = [
            (self.env._("Customer"), "text"),
            (self.env._("Reference"), "text"),
            (self.env._("Grade"), "text", {"colors": grades}),
            (self.env._("Score"), "integer"),
            (self.env._("On Hold"), "text"),
            (self.env._("Strategic"), "text"),
            (self.env._("Credit Limit"), "monetary"),
            (self.env._("Open Receivables"), "monetary", total),
            (self.env._("Overdue"), "monetary", total),
            (self.env._("Orders Not Invoiced"), "monetary", total),
            (self.env._("Draft Invoices"), "monetary", total),
            (self.env._("Exposure"), "monetary", total),
            (self.env._("Available"), "monetary"),
        ]
        return Export._xlsx_action(
            "credit_exposure.xlsx",
            self.env._("Credit Exposure"),
            headers,
            rows,
        )

    @api.model
    def _credit_demo_register_payments(self, payments):
        """Demo data: pay invoices in full at given dates.

        :param payments: list of (invoice id, payment date)
        """
        for invoice_id, date in payments:
            invoice = self.env["account.move"].browse(invoice_id)
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": date})._create_payments()
