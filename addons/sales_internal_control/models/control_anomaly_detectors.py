"""The detectors of ``control.anomaly.rule``.

Each detector is a method ``_detect_<detector>(model_name, ids=None,
period=None)`` of the rule. It looks at the documents ``ids`` of
``model_name`` (when they are confirmed or posted) or, in the scan, at every
document of the rule's company dated within ``period``. It runs a constant
number of SQL queries whatever the history (the same statement serves both:
only the target condition differs) and returns ``{res_id: values}`` with the
keys ``score`` (0-100), ``message`` (naming the other documents), ``related``
(list of ``(model, id, name)``), ``amount`` (company currency),
``partner_id``, ``user_id`` (whose action is flagged) and ``res_name``.
"""

import math
import re
from datetime import datetime, timedelta

import pytz

from odoo import fields, models
from odoo.tools import SQL, format_amount

# Normalised text: lower case, letters and digits only.
NORMALISE = "regexp_replace(lower(coalesce(%s, '')), '[^[:alnum:]]', '', 'g')"
# Digits only.
DIGITS = "regexp_replace(coalesce(%s, ''), '[^0-9]', '', 'g')"
# Benford's law: at least this many bills of a vendor, expected proportions.
BENFORD_MIN_BILLS = 50
BENFORD_EXPECTED = ", ".join(
    "%d: %.1f %%" % (digit, math.log10(1 + 1 / digit) * 100) for digit in range(1, 10)
)
# Unusual amount at posting: the partner's history is at most its latest
# documents of the kind within the 12 months (read newest first through an
# index on the partner and the date, so that a partner's whole year is never
# read: a vendor with 100,000 bills a year cost 0.6-0.9 s a posting).
UNUSUAL_AMOUNT_HISTORY = 1000


# What the statements read, flushed before they run (None: every field). A
# journal entry's name is not flushed: the statements read it for the other
# documents only (the flagged one is named once posted).
MOVE_FIELDS = [
    "amount_total_signed",
    "commercial_partner_id",
    "company_id",
    "create_uid",
    "date",
    "invoice_date",
    "invoice_user_id",
    "move_type",
    "ref",
    "state",
]
PAYMENT_FIELDS = [
    "amount_company_currency_signed",
    "company_id",
    "date",
    "partner_id",
    "payment_type",
    "state",
    "write_uid",
]
FLUSHED = {
    "account.move": MOVE_FIELDS,
    "account.payment": PAYMENT_FIELDS,
    "purchase.order": None,
    "sale.order": None,
    "res.partner": None,
    "res.partner.bank": None,
    "res.users": None,
    "control.approval.rule": None,
}


class ControlAnomalyRule(models.Model):
    _inherit = "control.anomaly.rule"

    # ------------------------------------------------------------- helpers
    def _target(self, alias, ids, period, date_column):
        """The SQL condition selecting the documents to look at."""
        if ids is not None:
            return SQL("%s.id = ANY(%s)", SQL.identifier(alias), list(ids))
        return SQL(
            "%s.company_id = %s AND %s BETWEEN %s AND %s",
            SQL.identifier(alias),
            self.company_id.id,
            SQL.identifier(alias, date_column),
            period[0],
            period[1],
        )

    def _company_tz(self):
        company = self.company_id
        tz = company.resource_calendar_id.tz or company.partner_id.tz or "UTC"
        return pytz.timezone(tz)

    def _fmt(self, amount):
        return format_amount(self.env, amount, self.company_id.currency_id)

    def _rows(self, query, flush=None):
        """Rows of ``query``; ``flush``: ``{model: field names or None for
        all}`` it reads, :data:`FLUSHED` by default, of which only the models
        whose table the statement names are flushed (what it reads alone:
        flushing a payment's journal entry in the middle of its posting makes
        Odoo write the entry twice, flushing everything makes it look its
        sequence up again)."""
        if flush is None:
            flush = FLUSHED
        code = query.code
        for model_name, names in flush.items():
            model = self.env[model_name]
            if re.search(r"\b%s\b" % re.escape(model._table), code):
                model.flush_model(names)
        self.env.cr.execute(query)
        return self.env.cr.dictfetchall()

    # ---------------------------------------------------------- detectors
    def _detect_duplicate_bill(self, model_name, ids=None, period=None):
        """Bills (or refunds) of the same vendor, or of a vendor with the same
        bank account number: the same normalised reference, or the same amount
        within the tolerance and an invoice date within the window."""
        rows = self._rows(
            SQL(
                """
                WITH target AS (
                    SELECT m.id, m.name, m.ref, m.move_type, m.company_id,
                           m.commercial_partner_id AS partner_id,
                           m.invoice_user_id, m.create_uid,
                           m.invoice_date, abs(m.amount_total_signed) AS amount,
                           %(nref_m)s AS nref,
                           (m.invoice_date - DATE '2000-01-01') / %(window)s AS bucket
                      FROM account_move m
                     WHERE m.move_type IN ('in_invoice', 'in_refund')
                       AND m.state != 'cancel' AND %(target)s
                ), same_bank AS (
                    SELECT DISTINCT b1.partner_id AS partner_id,
                           rp2.commercial_partner_id AS other_id
                      FROM res_partner_bank b1
                      JOIN res_partner_bank b2
                        ON b2.sanitized_acc_number = b1.sanitized_acc_number
                       AND b2.id != b1.id AND b2.active
                      JOIN res_partner rp2 ON rp2.id = b2.partner_id
                     WHERE b1.active AND b1.sanitized_acc_number != ''
                       AND b1.partner_id IN (SELECT partner_id FROM target)
                ), pairs AS (
                    SELECT DISTINCT partner_id, partner_id AS other_id FROM target
                    UNION
                    SELECT partner_id, other_id FROM same_bank
                ), window_bills AS MATERIALIZED (
                    -- a paired partner's bills dated within the window of
                    -- the targets' dates, through the partner's index on the
                    -- invoice date (never all of a vendor's bills); computed
                    -- once with their bucket, so that the scan joins them by
                    -- a hash on the partner and the bucket (inlined, it
                    -- compared each bill with each of its partner's bills)
                    SELECT w.id, w.company_id, w.move_type, w.invoice_date,
                           w.commercial_partner_id AS partner_id,
                           abs(w.amount_total_signed) AS amount,
                           (w.invoice_date - DATE '2000-01-01') / %(window)s AS bucket
                      FROM (SELECT DISTINCT other_id FROM pairs) p
                      JOIN account_move w
                        ON w.commercial_partner_id = p.other_id
                       AND w.invoice_date BETWEEN
                            (SELECT min(invoice_date) FROM target) - %(window)s
                            AND (SELECT max(invoice_date) FROM target) + %(window)s
                     WHERE w.move_type IN ('in_invoice', 'in_refund')
                       AND w.state != 'cancel'
                ), near AS MATERIALIZED (
                    -- dates within the window lie in the same or a
                    -- neighbouring bucket of window days: one equi-join on
                    -- the other partner and the bucket
                    SELECT t.*, p.other_id AS other_partner_id,
                           t.bucket + shift.d AS near_bucket
                      FROM target t
                      JOIN pairs p ON p.partner_id = t.partner_id
                     CROSS JOIN (VALUES (-1), (0), (1)) AS shift(d)
                ), matches AS (
                    -- equi-joins only: set-based in the scan as at posting.
                    -- The same normalised reference of a paired partner,
                    -- through the index on the partner and that expression ...
                    SELECT t.id, r.id AS other_id, true AS same_ref
                      FROM target t
                      JOIN pairs p ON p.partner_id = t.partner_id
                      JOIN account_move r
                        ON r.commercial_partner_id = p.other_id
                       AND %(nref_r)s = t.nref
                       AND r.company_id = t.company_id
                       AND r.move_type = t.move_type AND r.id != t.id
                     WHERE t.nref != ''
                       AND r.move_type IN ('in_invoice', 'in_refund')
                       AND r.state != 'cancel'
                    UNION ALL
                    -- ... or the same amount within the tolerance
                    SELECT t.id, o.id AS other_id, false AS same_ref
                      FROM near t
                      JOIN window_bills o
                        ON o.partner_id = t.other_partner_id
                       AND o.bucket = t.near_bucket
                       AND o.company_id = t.company_id
                       AND o.move_type = t.move_type AND o.id != t.id
                       AND o.invoice_date BETWEEN t.invoice_date - %(window)s
                                              AND t.invoice_date + %(window)s
                       AND abs(o.amount - t.amount)
                            <= t.amount * %(tolerance)s / 100.0
                )
                SELECT t.id, t.name, t.ref, t.partner_id, t.amount,
                       coalesce(t.create_uid, t.invoice_user_id) AS user_id,
                       o.id AS other_id,
                       coalesce(nullif(o.name, '/'), o.ref, '#' || o.id) AS other_name,
                       bool_or(m.same_ref) AS same_ref
                  FROM matches m
                  JOIN target t ON t.id = m.id
                  JOIN account_move o ON o.id = m.other_id
                 GROUP BY t.id, t.name, t.ref, t.partner_id, t.amount, t.create_uid,
                          t.invoice_user_id, o.id, o.name, o.ref
                 ORDER BY t.id, o.id
                """,
                nref_m=SQL(NORMALISE, SQL.identifier("m", "ref")),
                nref_r=SQL(NORMALISE, SQL.identifier("r", "ref")),
                target=self._target("m", ids, period, "invoice_date"),
                tolerance=self.tolerance_pct,
                window=self.window_days,
            )
        )
        hits = {}
        for row in rows:
            hit = hits.setdefault(
                row["id"],
                {
                    "res_name": row["name"],
                    "partner_id": row["partner_id"],
                    "amount": row["amount"],
                    "user_id": row["user_id"],
                    "related": [],
                    "same_ref": False,
                    "ref": row["ref"],
                },
            )
            hit["related"].append(("account.move", row["other_id"], row["other_name"]))
            hit["same_ref"] = hit["same_ref"] or row["same_ref"]
        same_amount = self.env._(
            "the same amount within %(tolerance)s %% and an invoice date within "
            "%(days)s days",
            tolerance=self.tolerance_pct,
            days=self.window_days,
        )
        same_reference = self.env._("the same reference")
        for hit in hits.values():
            same_ref = hit.pop("same_ref")
            hit["score"] = 90 if same_ref else 60
            others = ", ".join(name for _m, _i, name in hit["related"])
            hit["message"] = self.env._(
                "This bill (reference %(ref)s, %(amount)s) looks like %(others)s: "
                "%(why)s.",
                ref=hit.pop("ref") or "-",
                amount=self._fmt(hit["amount"]),
                others=others,
                why=same_reference if same_ref else same_amount,
            )
        return hits

    def _detect_bank_change_payment(self, model_name, ids=None, period=None):
        """Outgoing payments to a partner whose bank accounts were added or
        changed less than ``window_days`` before the payment (now, at
        posting; the payment's date in the scan)."""
        moment = (
            SQL("%s::timestamp", fields.Datetime.now())
            if ids is not None
            else SQL("p.date::timestamp")
        )
        rows = self._rows(
            SQL(
                """
                SELECT p.id, rp.id AS partner_id,
                       abs(p.amount_company_currency_signed) AS amount,
                       p.create_uid AS user_id, rp.bank_account_changed_date AS changed
                  FROM account_payment p
                  JOIN res_partner pp ON pp.id = p.partner_id
                  JOIN res_partner rp ON rp.id = pp.commercial_partner_id
                 WHERE p.payment_type = 'outbound' AND %(target)s
                   AND rp.bank_account_changed_date IS NOT NULL
                   AND rp.bank_account_changed_date > %(moment)s - %(window)s
                   AND abs(p.amount_company_currency_signed) >= %(amount_min)s
                """,
                target=self._target("p", ids, period, "date"),
                moment=moment,
                window=timedelta(days=self.window_days),
                amount_min=self.amount_min,
            )
        )
        partners = self.env["res.partner"].browse([row["partner_id"] for row in rows])
        names = dict(zip(partners.ids, partners.mapped("display_name"), strict=True))
        return {
            row["id"]: {
                "partner_id": row["partner_id"],
                "amount": row["amount"],
                "user_id": row["user_id"],
                "related": [
                    ("res.partner", row["partner_id"], names[row["partner_id"]])
                ],
                "score": 80,
                "message": self.env._(
                    "A payment of %(amount)s to %(partner)s, whose bank account "
                    "changed on %(changed)s (less than %(days)s days before).",
                    amount=self._fmt(row["amount"]),
                    partner=names[row["partner_id"]],
                    changed=fields.Datetime.to_string(row["changed"]),
                    days=self.window_days,
                ),
            }
            for row in rows
        }

    def _detect_off_hours_payment(self, model_name, ids=None, period=None):
        """Outgoing payments of at least ``amount_min`` posted outside business
        hours in the company's time zone. The moment of posting is known at
        posting only: the scan does not look for these."""
        if ids is None:
            return {}
        now = pytz.utc.localize(datetime.utcnow()).astimezone(self._company_tz())
        hour = now.hour + now.minute / 60.0
        weekend = self.weekend_is_off_hours and now.weekday() >= 5
        if self.hour_from <= hour < self.hour_to and not weekend:
            return {}
        rows = self._rows(
            SQL(
                """
                SELECT p.id, pp.commercial_partner_id AS partner_id,
                       abs(p.amount_company_currency_signed) AS amount
                  FROM account_payment p
                  JOIN res_partner pp ON pp.id = p.partner_id
                 WHERE p.payment_type = 'outbound' AND %(target)s
                   AND abs(p.amount_company_currency_signed) >= %(amount_min)s
                """,
                target=self._target("p", ids, period, "date"),
                amount_min=self.amount_min,
            )
        )
        moment = now.strftime("%Y-%m-%d %H:%M %Z")
        weekend_off = self.env._(", weekends off") if self.weekend_is_off_hours else ""
        return {
            row["id"]: {
                "partner_id": row["partner_id"],
                "amount": row["amount"],
                "user_id": self.env.uid,
                "related": [],
                "score": 50,
                "message": self.env._(
                    "A payment of %(amount)s posted at %(moment)s, outside business "
                    "hours (%(start)s-%(end)s%(weekend)s).",
                    amount=self._fmt(row["amount"]),
                    moment=moment,
                    start=self._hours(self.hour_from),
                    end=self._hours(self.hour_to),
                    weekend=weekend_off,
                ),
            }
            for row in rows
        }

    @staticmethod
    def _hours(value):
        return "%02d:%02d" % (int(value), round((value % 1) * 60))

    # ------------------------------------------------- partner-based helpers
    def _partner_target(self, alias, ids, period):
        """The SQL condition selecting partners: ``ids``, or in the scan the
        partners of the rule's company (or shared) changed within ``period``."""
        if ids is not None:
            return SQL("%s.id = ANY(%s)", SQL.identifier(alias), list(ids))
        return SQL(
            "(%s.company_id IS NULL OR %s.company_id = %s)"
            " AND %s::date BETWEEN %s AND %s",
            SQL.identifier(alias),
            SQL.identifier(alias),
            self.company_id.id,
            SQL.identifier(alias, "write_date"),
            period[0],
            period[1],
        )

    @staticmethod
    def _phones(alias):
        """The partner's phone and mobile numbers, digits only, of at least 6
        digits (an array)."""
        digits = [
            SQL(DIGITS, SQL.identifier(alias, column)) for column in ("phone", "mobile")
        ]
        return SQL(
            "array_remove(ARRAY[CASE WHEN length(%s) >= 6 THEN %s END,"
            " CASE WHEN length(%s) >= 6 THEN %s END], NULL)",
            digits[0],
            digits[0],
            digits[1],
            digits[1],
        )

    def _document_word(self, model_name, move_type=None):
        """How a message names the flagged document (its number may not be
        assigned yet at posting)."""
        if model_name == "account.move":
            if move_type == "in_refund":
                return self.env._("this refund")
            return self.env._("this bill")
        if model_name == "account.payment":
            return self.env._("this payment")
        if model_name == "res.partner":
            return self.env._("this partner")
        return self.env._("this order")

    def _order_moment(self, model_name, ids, column, date=False):
        """The date of the documents looked at: a sale order being confirmed
        takes the moment of its confirmation as its order date (Odoo writes
        it with the state), the others keep theirs."""
        if ids is None or model_name != "sale.order":
            return column
        now = fields.Datetime.now()
        return SQL("%s::date", now) if date else SQL("%s::timestamp", now)

    # -------------------------------------------------------- split orders
    def _detect_split_order(self, model_name, ids=None, period=None):
        """Orders of the same requester (sale: salesperson; purchase: buyer,
        else creator) and commercial partner within ``window_days`` of the
        order, not cancelled, each below the ``amount_min`` of an active
        approval rule of that document type and company, whose sum (company
        currency) reaches it. The approval rules are read in the same
        statement; with several, the highest threshold reached is reported."""
        requester = (
            SQL("o.user_id")
            if model_name == "sale.order"
            else SQL("coalesce(o.user_id, o.create_uid)")
        )
        moment = self._order_moment(model_name, ids, SQL("d.date_order"))
        rows = self._rows(
            SQL(
                """
                WITH rules AS (
                    SELECT r.id, r.amount_min,
                           coalesce(r.name->>%(lang)s, r.name->>'en_US') AS name
                      FROM control_approval_rule r
                     WHERE r.active AND r.model_name = %(model)s
                       AND r.company_id = %(company)s AND r.amount_min > 0
                ), docs AS NOT MATERIALIZED (
                    SELECT o.id, o.name, o.company_id, o.date_order,
                           o.date_order::date AS day,
                           pp.commercial_partner_id AS partner_id,
                           %(requester)s AS user_id,
                           o.amount_total / coalesce(nullif(o.currency_rate, 0), 1)
                               AS amount
                      FROM %(table)s o
                      JOIN res_partner pp ON pp.id = o.partner_id
                     WHERE o.state != 'cancel'
                ), target AS (
                    SELECT d.id, d.company_id, d.partner_id, d.user_id, d.amount,
                           %(moment)s AS date_order
                      FROM docs d WHERE %(target)s
                )
                SELECT t.id, t.amount, t.partner_id, t.user_id,
                       r.name AS rule_name, r.amount_min,
                       t.amount + sum(o.amount) AS total,
                       array_agg(o.id ORDER BY o.date_order, o.id) AS other_ids,
                       array_agg(o.name ORDER BY o.date_order, o.id) AS other_names,
                       cp.complete_name AS partner_name, up.name AS user_name
                  FROM target t
                  JOIN rules r ON t.amount < r.amount_min
                  JOIN docs o
                    ON o.id != t.id AND o.company_id = t.company_id
                   AND o.partner_id = t.partner_id AND o.user_id = t.user_id
                   AND o.amount < r.amount_min
                   AND o.date_order BETWEEN t.date_order - %(window)s
                                        AND t.date_order + %(window)s
                  JOIN res_partner cp ON cp.id = t.partner_id
                  JOIN res_users u ON u.id = t.user_id
                  JOIN res_partner up ON up.id = u.partner_id
                 GROUP BY t.id, t.amount, t.partner_id, t.user_id, r.id, r.name,
                          r.amount_min, cp.complete_name, up.name
                HAVING t.amount + sum(o.amount) >= r.amount_min
                 ORDER BY t.id, r.amount_min DESC, r.id
                """,
                lang=self.env.lang or "en_US",
                model=model_name,
                company=self.company_id.id,
                requester=requester,
                table=SQL.identifier(self.env[model_name]._table),
                target=self._target("d", ids, period, "day"),
                moment=moment,
                window=timedelta(days=self.window_days),
            )
        )
        hits = {}
        for row in rows:
            if row["id"] in hits:
                continue  # a lower threshold of the same order
            related = [
                (model_name, other_id, other_name)
                for other_id, other_name in zip(
                    row["other_ids"], row["other_names"], strict=True
                )
            ]
            others = ", ".join(row["other_names"])
            amount = float(row["amount"])
            total = float(row["total"])
            hits[row["id"]] = {
                "partner_id": row["partner_id"],
                "amount": amount,
                "user_id": row["user_id"],
                "related": related,
                "score": min(100, 50 + 10 * len(related)),
                "message": self.env._(
                    "This order (%(amount)s) and %(others)s, all of %(user)s for "
                    "%(partner)s within %(days)s days and each below the "
                    "%(threshold)s of approval rule %(rule)s, sum to %(total)s.",
                    amount=self._fmt(amount),
                    others=others,
                    user=row["user_name"],
                    partner=row["partner_name"],
                    days=self.window_days,
                    threshold=self._fmt(float(row["amount_min"])),
                    rule=row["rule_name"],
                    total=self._fmt(total),
                ),
            }
        return hits

    # ------------------------------------------------------ unusual amount
    def _unusual_amount_documents(self, model_name):
        """The documents the unusual amount detector compares: id, company,
        commercial partner, kind (documents are compared with those of the
        same kind), day, amount in company currency, user."""
        if model_name == "account.move":
            return SQL(
                """
                SELECT m.id, m.company_id, m.commercial_partner_id AS partner_id,
                       m.move_type AS kind, m.invoice_date AS day,
                       abs(m.amount_total_signed)::float AS amount,
                       coalesce(m.create_uid, m.invoice_user_id) AS user_id
                  FROM account_move m
                 WHERE m.move_type IN ('in_invoice', 'in_refund')
                   AND m.state != 'cancel' AND m.invoice_date IS NOT NULL
                """
            )
        if model_name == "account.payment":
            return SQL(
                """
                SELECT p.id, p.company_id, pp.commercial_partner_id AS partner_id,
                       p.payment_type AS kind, p.date AS day,
                       abs(p.amount_company_currency_signed)::float AS amount,
                       p.create_uid AS user_id
                  FROM account_payment p
                  JOIN res_partner pp ON pp.id = p.partner_id
                 WHERE p.state NOT IN ('canceled', 'rejected')
                """
            )
        requester = (
            SQL("o.user_id")
            if model_name == "sale.order"
            else SQL("coalesce(o.user_id, o.create_uid)")
        )
        return SQL(
            """
            SELECT o.id, o.company_id, pp.commercial_partner_id AS partner_id,
                   'order' AS kind, o.date_order::date AS day,
                   (o.amount_total / coalesce(nullif(o.currency_rate, 0), 1))::float
                       AS amount,
                   %(requester)s AS user_id
              FROM %(table)s o
              JOIN res_partner pp ON pp.id = o.partner_id
             WHERE o.state != 'cancel'
            """,
            requester=requester,
            table=SQL.identifier(self.env[model_name]._table),
        )

    def _detect_unusual_amount(self, model_name, ids=None, period=None):
        """A vendor bill or refund, payment or order whose amount (company
        currency) is far from the same partner's documents of the same kind
        in the 12 months before it (the document excluded, cancelled ones
        excluded, at least 5; at posting the latest
        :data:`UNUSUAL_AMOUNT_HISTORY` of them at most): robust z-score
        0.6745 * |x - median| / MAD above ``threshold``. With a MAD of 0 every
        earlier amount is the median: any other amount is far (score 100).
        Median and MAD with ``percentile_cont`` in the same statement.

        The scan computes each partner's statistics once, over the period and
        the 12 months before it (each document's own window would put every
        document through ``percentile_cont`` once per neighbour): set-based,
        at the cost of counting the document itself in its partner's history.
        """
        if ids is None:
            rows = self._rows(self._unusual_amount_scan_query(model_name, period))
            return self._unusual_amount_hits(model_name, rows)
        rows = self._rows(
            SQL(
                """
                WITH docs AS NOT MATERIALIZED (%(docs)s),
                target AS (
                    SELECT d.id, d.company_id, d.partner_id, d.kind, d.amount,
                           d.user_id, %(day)s AS day
                      FROM docs d WHERE %(target)s
                ), history AS MATERIALIZED (
                    SELECT t.id AS target_id, h.amount
                      FROM target t
                     CROSS JOIN LATERAL (%(recent)s) h
                ), stats AS (
                    SELECT target_id, count(*) AS n,
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY amount)
                               AS median
                      FROM history
                     GROUP BY target_id
                    HAVING count(*) >= 5
                ), spread AS (
                    SELECT s.target_id, s.n, s.median,
                           percentile_cont(0.5) WITHIN GROUP (
                               ORDER BY abs(h.amount - s.median)) AS mad
                      FROM stats s
                      JOIN history h ON h.target_id = s.target_id
                     GROUP BY s.target_id, s.n, s.median
                )
                %(flagged)s
                """,
                docs=self._unusual_amount_documents(model_name),
                target=self._target("d", ids, period, "day"),
                day=self._order_moment(model_name, ids, SQL("d.day"), date=True),
                recent=self._unusual_amount_recent(model_name),
                flagged=self._unusual_amount_flagged(SQL("s.target_id = t.id")),
            )
        )
        return self._unusual_amount_hits(model_name, rows)

    def _unusual_amount_recent(self, model_name):
        """The history of the target ``t`` at posting (a lateral subquery
        giving ``amount``): the partner's latest documents of the kind within
        the 12 months before the target's day, at most
        :data:`UNUSUAL_AMOUNT_HISTORY`, newest first through the indexes on
        the partner and the date. Payments and orders name a contact of the
        commercial partner: each contact's latest ones are read, then the
        latest of those."""
        limit = UNUSUAL_AMOUNT_HISTORY
        window = SQL(
            "BETWEEN (t.day - interval '12 months')::date AND t.day",
        )
        if model_name == "account.move":
            return SQL(
                """
                SELECT abs(h.amount_total_signed)::float AS amount
                  FROM account_move h
                 WHERE h.commercial_partner_id = t.partner_id
                   AND h.move_type IN ('in_invoice', 'in_refund')
                   AND h.move_type = t.kind AND h.company_id = t.company_id
                   AND h.state != 'cancel' AND h.id != t.id
                   AND h.invoice_date %(window)s
                 ORDER BY h.invoice_date DESC, h.id DESC
                 LIMIT %(limit)s
                """,
                window=window,
                limit=limit,
            )
        if model_name == "account.payment":
            latest = SQL(
                """
                SELECT abs(h.amount_company_currency_signed)::float AS amount,
                       h.date AS moment, h.id
                  FROM account_payment h
                 WHERE h.partner_id = c.id AND h.payment_type = t.kind
                   AND h.company_id = t.company_id
                   AND h.state NOT IN ('canceled', 'rejected') AND h.id != t.id
                   AND h.date %(window)s
                 ORDER BY h.date DESC, h.id DESC
                 LIMIT %(limit)s
                """,
                window=window,
                limit=limit,
            )
        else:
            latest = SQL(
                """
                SELECT (h.amount_total
                        / coalesce(nullif(h.currency_rate, 0), 1))::float AS amount,
                       h.date_order AS moment, h.id
                  FROM %(table)s h
                 WHERE h.partner_id = c.id AND h.company_id = t.company_id
                   AND h.state != 'cancel' AND h.id != t.id
                   AND h.date_order >= (t.day - interval '12 months')::date
                   AND h.date_order < t.day + 1
                 ORDER BY h.date_order DESC, h.id DESC
                 LIMIT %(limit)s
                """,
                table=SQL.identifier(self.env[model_name]._table),
                limit=limit,
            )
        return SQL(
            """
            SELECT l.amount
              FROM res_partner c
             CROSS JOIN LATERAL (%(latest)s) l
             WHERE c.commercial_partner_id = t.partner_id
             ORDER BY l.moment DESC, l.id DESC
             LIMIT %(limit)s
            """,
            latest=latest,
            limit=limit,
        )

    def _unusual_amount_scan_query(self, model_name, period):
        return SQL(
            """
            WITH docs AS NOT MATERIALIZED (%(docs)s),
            target AS (
                SELECT d.id, d.company_id, d.partner_id, d.kind, d.amount, d.user_id
                  FROM docs d
                 WHERE d.company_id = %(company)s
                   AND d.day BETWEEN %(start)s AND %(end)s
            ), keys AS (
                SELECT DISTINCT company_id, partner_id, kind FROM target
            ), history AS MATERIALIZED (
                SELECT h.company_id, h.partner_id, h.kind, h.amount
                  FROM docs h
                  JOIN keys k
                    ON k.company_id = h.company_id AND k.partner_id = h.partner_id
                   AND k.kind = h.kind
                 WHERE h.day BETWEEN (%(start)s::date - interval '12 months')::date
                                 AND %(end)s
            ), stats AS (
                SELECT company_id, partner_id, kind, count(*) - 1 AS n,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) AS median
                  FROM history
                 GROUP BY company_id, partner_id, kind
                HAVING count(*) > 5
            ), spread AS (
                SELECT s.company_id, s.partner_id, s.kind, s.n, s.median,
                       percentile_cont(0.5) WITHIN GROUP (
                           ORDER BY abs(h.amount - s.median)) AS mad
                  FROM stats s
                  JOIN history h
                    ON h.company_id = s.company_id AND h.partner_id = s.partner_id
                   AND h.kind = s.kind
                 GROUP BY s.company_id, s.partner_id, s.kind, s.n, s.median
            )
            %(flagged)s
            """,
            docs=self._unusual_amount_documents(model_name),
            company=self.company_id.id,
            start=period[0],
            end=period[1],
            flagged=self._unusual_amount_flagged(
                SQL(
                    "s.company_id = t.company_id AND s.partner_id = t.partner_id "
                    "AND s.kind = t.kind"
                )
            ),
        )

    def _unusual_amount_flagged(self, join):
        """The final selection of both statements: the targets (``t``) whose
        robust z-score against their statistics (``spread s``, joined on
        ``join``) is above the threshold, or that differ from a median every
        history amount equals."""
        return SQL(
            """
            SELECT t.id, t.kind, t.partner_id, t.user_id, t.amount,
                   s.n, s.median, s.mad,
                   CASE WHEN s.mad > 0
                        THEN 0.6745 * abs(t.amount - s.median) / s.mad
                   END AS z,
                   cp.complete_name AS partner_name
              FROM target t
              JOIN spread s ON %(join)s
              JOIN res_partner cp ON cp.id = t.partner_id
             WHERE (s.mad > 0
                    AND 0.6745 * abs(t.amount - s.median) / s.mad > %(threshold)s)
                OR (s.mad = 0 AND abs(t.amount - s.median) > 0.005)
            """,
            join=join,
            threshold=self.threshold,
        )

    def _unusual_amount_hits(self, model_name, rows):
        hits = {}
        for row in rows:
            amount = row["amount"]
            median = row["median"]
            if row["z"] is None:
                z_text = self.env._("unbounded (every earlier amount is the median)")
                score = 100
            else:
                z_text = "%.1f" % row["z"]
                score = min(100, 20 * row["z"])
            direction = self.env._("above") if amount > median else self.env._("below")
            document = self._document_word(model_name, row["kind"])
            hits[row["id"]] = {
                "partner_id": row["partner_id"],
                "amount": amount,
                "user_id": row["user_id"],
                "related": [("res.partner", row["partner_id"], row["partner_name"])],
                "score": score,
                "message": self.env._(
                    "The amount of %(document)s, %(amount)s, is far %(direction)s "
                    "the %(count)s earlier ones of %(partner)s in the last 12 "
                    "months: median %(median)s, median absolute deviation %(mad)s, "
                    "robust z-score %(z)s (threshold %(threshold)s).",
                    document=document,
                    amount=self._fmt(amount),
                    direction=direction,
                    count=row["n"],
                    partner=row["partner_name"],
                    median=self._fmt(median),
                    mad=self._fmt(row["mad"]),
                    z=z_text,
                    threshold=self.threshold,
                ),
            }
        return hits

    # ----------------------------------------------------- vendor employee
    def _vendor_employee_targets(self, model_name, ids, period):
        """id, vendor (the partner whose data is compared), partner (the
        commercial partner of the finding), kind, amount, user."""
        if model_name == "account.move":
            return SQL(
                """
                SELECT m.id, m.commercial_partner_id AS vendor_id,
                       m.commercial_partner_id AS partner_id, m.move_type AS kind,
                       abs(m.amount_total_signed) AS amount,
                       coalesce(m.create_uid, m.invoice_user_id) AS user_id
                  FROM account_move m
                 WHERE m.move_type IN ('in_invoice', 'in_refund')
                   AND m.state != 'cancel' AND %(target)s
                """,
                target=self._target("m", ids, period, "invoice_date"),
            )
        if model_name == "account.payment":
            return SQL(
                """
                SELECT p.id, pp.commercial_partner_id AS vendor_id,
                       pp.commercial_partner_id AS partner_id, p.payment_type AS kind,
                       abs(p.amount_company_currency_signed) AS amount,
                       p.create_uid AS user_id
                  FROM account_payment p
                  JOIN res_partner pp ON pp.id = p.partner_id
                 WHERE p.payment_type = 'outbound'
                   AND p.state NOT IN ('canceled', 'rejected') AND %(target)s
                """,
                target=self._target("p", ids, period, "date"),
            )
        return SQL(
            """
            SELECT p.id, p.id AS vendor_id, p.commercial_partner_id AS partner_id,
                   'partner' AS kind, 0.0 AS amount,
                   coalesce(p.write_uid, p.create_uid) AS user_id
              FROM res_partner p
             WHERE p.active AND %(target)s
               AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id)
            """,
            target=self._partner_target("p", ids, period),
        )

    def _detect_vendor_employee(self, model_name, ids=None, period=None):
        """The vendor (commercial partner of a vendor bill or refund or of an
        outgoing payment; the partner itself when a partner is created or
        changed) shares a bank account number (of any partner of its
        commercial entity), a tax ID (normalised), an e-mail (lower case,
        trimmed) or a phone or mobile number (digits only, at least 6) with
        the contact of an active internal user of the rule's company who does
        not belong to the vendor's commercial entity."""
        rows = self._rows(
            SQL(
                """
                WITH target AS (%(targets)s),
                -- both sides computed once, then compared (not inlined: the
                -- planner then walked every partner in id order towards the
                -- users' contacts, normalising each: 1.2-2 s with 100,000)
                vendors AS MATERIALIZED (
                    SELECT v.id, v.commercial_partner_id,
                           %(vat_v)s AS vat, lower(trim(coalesce(v.email, '')))
                               AS email, %(phones_v)s AS phones
                      FROM res_partner v
                     WHERE v.id IN (SELECT vendor_id FROM target)
                ), employees AS MATERIALIZED (
                    SELECT u.id AS user_id, e.id AS partner_id, e.name,
                           e.commercial_partner_id,
                           %(vat_e)s AS vat, lower(trim(coalesce(e.email, '')))
                               AS email, %(phones_e)s AS phones
                      FROM res_users u
                      JOIN res_partner e ON e.id = u.partner_id
                     WHERE u.active AND NOT u.share
                       AND EXISTS (SELECT 1 FROM res_company_users_rel cu
                                    WHERE cu.user_id = u.id AND cu.cid = %(company)s)
                ), matches AS MATERIALIZED (
                    -- once per vendor and employee (inlined, the scan
                    -- looked the bank accounts up once per document)
                    SELECT v.id AS vendor_id, e.user_id AS employee_id,
                           e.partner_id AS employee_partner_id,
                           e.name AS employee_name,
                           EXISTS (
                               SELECT 1
                                 FROM res_partner_bank b1
                                 JOIN res_partner bp ON bp.id = b1.partner_id
                                 JOIN res_partner_bank b2
                                   ON b2.sanitized_acc_number = b1.sanitized_acc_number
                                  AND b2.active AND b2.partner_id = e.partner_id
                                WHERE b1.active
                                  AND coalesce(b1.sanitized_acc_number, '') != ''
                                  AND bp.commercial_partner_id
                                      = v.commercial_partner_id
                           ) AS same_bank,
                           (v.vat != '' AND v.vat = e.vat) AS same_vat,
                           (v.email != '' AND v.email = e.email) AS same_email,
                           (v.phones && e.phones) AS same_phone
                      FROM vendors v
                      JOIN employees e
                        ON e.commercial_partner_id != v.commercial_partner_id
                )
                SELECT t.id, t.kind, t.partner_id, t.amount, t.user_id,
                       vp.complete_name AS vendor_name, m.employee_id,
                       m.employee_partner_id, m.employee_name, m.same_bank,
                       m.same_vat, m.same_email, m.same_phone
                  FROM target t
                  JOIN matches m ON m.vendor_id = t.vendor_id
                  JOIN res_partner vp ON vp.id = t.vendor_id
                 WHERE m.same_bank OR m.same_vat OR m.same_email OR m.same_phone
                 ORDER BY t.id, m.employee_id
                """,
                targets=self._vendor_employee_targets(model_name, ids, period),
                vat_v=SQL(NORMALISE, SQL.identifier("v", "vat")),
                vat_e=SQL(NORMALISE, SQL.identifier("e", "vat")),
                phones_v=self._phones("v"),
                phones_e=self._phones("e"),
                company=self.company_id.id,
            )
        )
        labels = {
            "same_bank": self.env._("bank account number"),
            "same_vat": self.env._("tax ID"),
            "same_email": self.env._("e-mail"),
            "same_phone": self.env._("phone"),
        }
        weights = {"same_bank": 90, "same_vat": 80, "same_email": 70, "same_phone": 70}
        hits = {}
        for row in rows:
            hit = hits.setdefault(
                row["id"],
                {
                    "partner_id": row["partner_id"],
                    "amount": float(row["amount"] or 0.0),
                    "user_id": row["user_id"],
                    "related": [],
                    "score": 0,
                    "shared": [],
                    "kind": row["kind"],
                    "vendor": row["vendor_name"],
                },
            )
            what = [label for key, label in labels.items() if row[key]]
            hit["score"] = max(
                [hit["score"]] + [weights[key] for key in labels if row[key]]
            )
            hit["related"].append(
                ("res.partner", row["employee_partner_id"], row["employee_name"])
            )
            hit["shared"].append(
                self.env._(
                    "%(employee)s (%(what)s)",
                    employee=row["employee_name"],
                    what=", ".join(what),
                )
            )
        for hit in hits.values():
            shared = "; ".join(hit.pop("shared"))
            vendor = hit.pop("vendor")
            document = self._document_word(model_name, hit.pop("kind"))
            if model_name == "res.partner":
                hit["message"] = self.env._(
                    "This partner shares data with internal users: %(shared)s.",
                    shared=shared,
                )
                continue
            hit["message"] = self.env._(
                "The vendor %(vendor)s of %(document)s shares data with internal "
                "users: %(shared)s.",
                vendor=vendor,
                document=document,
                shared=shared,
            )
        return hits

    # --------------------------------------------------- duplicate partner
    def _detect_duplicate_partner(self, model_name, ids=None, period=None):
        """A customer or vendor (an active commercial entity that is no
        user's contact) with the same tax ID (normalised, non-empty), or the
        same normalised name (lower case, letters and digits only) and the
        same phone or mobile (digits only, at least 6), as another active
        commercial entity visible in the rule's company. At a change the
        others are looked up through indexes on the normalised tax ID and
        name; the scan matches them by hash joins (no comparison per pair)."""
        rows = self._rows(
            SQL(
                """
                WITH target AS (
                    SELECT p.id, coalesce(p.write_uid, p.create_uid) AS user_id,
                           %(vat_p)s AS vat, %(name_p)s AS nname,
                           %(phones_p)s AS phones
                      FROM res_partner p
                     WHERE p.active AND p.id = p.commercial_partner_id
                       AND %(target)s
                       AND NOT EXISTS (
                           SELECT 1 FROM res_users u WHERE u.partner_id = p.id)
                ), matches AS (
                    -- the others through the indexes on the normalised tax
                    -- ID and name of the commercial entities (hash joins in
                    -- the scan)
                    SELECT t.id, t.user_id, o.id AS other_id,
                           o.complete_name AS other_name, true AS same_vat
                      FROM target t
                      JOIN res_partner o ON %(vat_o)s = t.vat AND o.id != t.id
                     WHERE t.vat != '' AND %(other)s
                     UNION ALL
                    SELECT t.id, t.user_id, o.id, o.complete_name, false
                      FROM target t
                      JOIN res_partner o
                        ON %(name_o)s = t.nname AND o.id != t.id
                       AND %(phones_o)s && t.phones
                     WHERE t.nname != '' AND %(other)s
                       AND (t.vat = '' OR %(vat_o)s != t.vat)
                )
                SELECT * FROM matches ORDER BY id, other_id
                """,
                vat_p=SQL(NORMALISE, SQL.identifier("p", "vat")),
                name_p=SQL(NORMALISE, SQL.identifier("p", "name")),
                phones_p=self._phones("p"),
                vat_o=SQL(NORMALISE, SQL.identifier("o", "vat")),
                name_o=SQL(NORMALISE, SQL.identifier("o", "name")),
                phones_o=self._phones("o"),
                target=self._partner_target("p", ids, period),
                other=SQL(
                    "o.active AND o.id = o.commercial_partner_id"
                    " AND (o.company_id IS NULL OR o.company_id = %s)",
                    self.company_id.id,
                ),
            )
        )
        same_vat = self.env._("the same tax ID")
        same_name = self.env._("the same name and phone")
        hits = {}
        for row in rows:
            hit = hits.setdefault(
                row["id"],
                {
                    "partner_id": row["id"],
                    "amount": 0.0,
                    "user_id": row["user_id"],
                    "related": [],
                    "score": 0,
                    "others": [],
                },
            )
            why = same_vat if row["same_vat"] else same_name
            hit["score"] = max(hit["score"], 90 if row["same_vat"] else 70)
            hit["related"].append(("res.partner", row["other_id"], row["other_name"]))
            hit["others"].append(
                self.env._("%(partner)s (%(why)s)", partner=row["other_name"], why=why)
            )
        for hit in hits.values():
            others = "; ".join(hit.pop("others"))
            hit["message"] = self.env._(
                "This partner looks like another active partner: %(others)s.",
                others=others,
            )
        return hits

    # ------------------------------------------------------------- benford
    def _detect_benford(self, model_name, ids=None, period=None):
        """Scan only. Vendors with at least 50 posted vendor bills (non-zero)
        of the rule's company in the period: the proportions of the first
        significant digit of their amounts against Benford's law
        (log10(1 + 1/d)); a mean absolute deviation above ``threshold``
        (Nigrini: 0.015) is a finding on the vendor's most recent bill of the
        period."""
        if ids is not None:
            return {}
        rows = self._rows(
            SQL(
                """
                WITH bills AS (
                    SELECT m.id, m.commercial_partner_id AS partner_id,
                           m.invoice_date, m.create_uid,
                           abs(m.amount_total_signed) AS amount,
                           left(regexp_replace(abs(m.amount_total_signed)::text,
                                               '^[0.]+', ''), 1)::int AS digit
                      FROM account_move m
                     WHERE m.move_type = 'in_invoice' AND m.state = 'posted'
                       AND m.amount_total_signed != 0 AND %(target)s
                ), vendors AS (
                    SELECT partner_id, count(*) AS n,
                           (array_agg(id ORDER BY invoice_date DESC, id DESC))[1]
                               AS last_id,
                           (array_agg(create_uid ORDER BY invoice_date DESC,
                                                          id DESC))[1] AS user_id,
                           (array_agg(amount ORDER BY invoice_date DESC,
                                                      id DESC))[1] AS amount
                      FROM bills
                     GROUP BY partner_id
                    HAVING count(*) >= %(min_bills)s
                ), digits AS (
                    SELECT v.partner_id, d.digit,
                           count(b.id)::float / v.n AS share,
                           log(1 + 1.0 / d.digit)::float AS expected
                      FROM vendors v
                     CROSS JOIN generate_series(1, 9) AS d(digit)
                      LEFT JOIN bills b
                        ON b.partner_id = v.partner_id AND b.digit = d.digit
                     GROUP BY v.partner_id, v.n, d.digit
                )
                SELECT v.partner_id, v.n, v.last_id, v.user_id, v.amount,
                       cp.complete_name AS partner_name,
                       avg(abs(g.share - g.expected)) AS mad,
                       array_agg(g.share ORDER BY g.digit) AS shares
                  FROM vendors v
                  JOIN digits g ON g.partner_id = v.partner_id
                  JOIN res_partner cp ON cp.id = v.partner_id
                 GROUP BY v.partner_id, v.n, v.last_id, v.user_id, v.amount,
                          cp.complete_name
                HAVING avg(abs(g.share - g.expected)) > %(threshold)s
                """,
                target=self._target("m", ids, period, "invoice_date"),
                min_bills=BENFORD_MIN_BILLS,
                threshold=self.threshold,
            )
        )
        hits = {}
        for row in rows:
            proportions = ", ".join(
                "%d: %.1f %%" % (digit, share * 100)
                for digit, share in enumerate(row["shares"], start=1)
            )
            mad = "%.4f" % row["mad"]
            hits[row["last_id"]] = {
                "partner_id": row["partner_id"],
                "amount": float(row["amount"]),
                "user_id": row["user_id"],
                "related": [("res.partner", row["partner_id"], row["partner_name"])],
                "score": min(100, 50 * row["mad"] / self.threshold),
                "message": self.env._(
                    "The first digits of the %(count)s bills of %(partner)s from "
                    "%(start)s to %(end)s deviate from Benford's law: mean "
                    "absolute deviation %(mad)s (threshold %(threshold)s). "
                    "Proportions of digits: %(proportions)s; expected: "
                    "%(expected)s.",
                    count=row["n"],
                    partner=row["partner_name"],
                    start=period[0],
                    end=period[1],
                    mad=mad,
                    threshold=self.threshold,
                    proportions=proportions,
                    expected=BENFORD_EXPECTED,
                ),
            }
        return hits

    def _detect_mass_export(self, model_name, ids=None, period=None):
        """Export lines whose running total of the user's rows that day goes
        over the limit with them (the first line past the limit only): one
        statement, a window sum over the user's export lines of the day."""
        limit = self.company_id._control_setting("export_alert_rows")
        tz = self._company_tz().zone
        if ids is not None:
            target = SQL("l.id = ANY(%s)", list(ids))
        else:
            target = SQL(
                "(l.date AT TIME ZONE 'UTC' AT TIME ZONE %s)::date BETWEEN %s AND %s",
                tz,
                period[0],
                period[1],
            )
        rows = self._rows(
            SQL(
                """
                WITH target AS (
                    SELECT l.id, l.user_id,
                           (l.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day
                      FROM control_log l
                     WHERE l.event = 'export' AND l.control = 'export'
                       AND l.company_id = %(company)s AND %(target)s
                ), days AS (
                    SELECT DISTINCT user_id, day FROM target
                ), running AS (
                    SELECT l.id, l.user_id, d.day, l.export_rows,
                           sum(l.export_rows) OVER w AS total,
                           count(*) OVER w AS exports
                      FROM days d
                      JOIN control_log l
                        ON l.user_id = d.user_id
                       AND l.company_id = %(company)s
                       AND l.event = 'export' AND l.control = 'export'
                       AND l.date >= (d.day::timestamp AT TIME ZONE %(tz)s)
                                     AT TIME ZONE 'UTC'
                       AND l.date < ((d.day + 1)::timestamp AT TIME ZONE %(tz)s)
                                    AT TIME ZONE 'UTC'
                    WINDOW w AS (PARTITION BY l.user_id, d.day ORDER BY l.date, l.id)
                )
                SELECT r.id, r.user_id, r.day, r.total, r.exports, u.login
                  FROM running r
                  JOIN target t ON t.id = r.id
                  JOIN res_users u ON u.id = r.user_id
                 WHERE r.total > %(limit)s
                   AND r.total - coalesce(r.export_rows, 0) <= %(limit)s
                """,
                tz=tz,
                company=self.company_id.id,
                target=target,
                limit=limit,
            ),
            flush={"control.log": None},
        )
        return {
            row["id"]: {
                "score": min(100, round(50 * row["total"] / limit)) if limit else 100,
                "message": self.env._(
                    "%(user)s exported %(total)s rows on %(day)s in %(exports)s "
                    "exports, more than the limit of %(limit)s rows a day of "
                    "%(company)s.",
                    user=row["login"],
                    total=row["total"],
                    day=row["day"],
                    exports=row["exports"],
                    limit=limit,
                    company=self.company_id.name,
                ),
                "related": [],
                "amount": 0.0,
                "partner_id": False,
                "user_id": row["user_id"],
            }
            for row in rows
        }
