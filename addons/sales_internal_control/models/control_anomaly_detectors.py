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

from datetime import datetime, timedelta

import pytz

from odoo import fields, models
from odoo.tools import SQL, format_amount

# Normalised text: lower case, letters and digits only.
NORMALISE = "regexp_replace(lower(coalesce(%s, '')), '[^[:alnum:]]', '', 'g')"


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

    def _rows(self, query):
        self.env.flush_all()
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
                           %(nref_m)s AS nref
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
                )
                SELECT t.id, t.name, t.ref, t.partner_id, t.amount,
                       coalesce(t.create_uid, t.invoice_user_id) AS user_id,
                       o.id AS other_id, o.name AS other_name,
                       (t.nref != '' AND %(nref_o)s = t.nref) AS same_ref
                  FROM target t
                  JOIN account_move o
                    ON o.id != t.id AND o.company_id = t.company_id
                   AND o.move_type = t.move_type AND o.state != 'cancel'
                   AND (o.commercial_partner_id = t.partner_id
                        OR o.commercial_partner_id IN (
                            SELECT other_id FROM same_bank
                             WHERE same_bank.partner_id = t.partner_id))
                 WHERE (t.nref != '' AND %(nref_o)s = t.nref)
                    OR (abs(abs(o.amount_total_signed) - t.amount)
                            <= t.amount * %(tolerance)s / 100.0
                        AND o.invoice_date BETWEEN t.invoice_date - %(window)s
                                               AND t.invoice_date + %(window)s)
                 ORDER BY t.id, o.id
                """,
                nref_m=SQL(NORMALISE, SQL.identifier("m", "ref")),
                nref_o=SQL(NORMALISE, SQL.identifier("o", "ref")),
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

    # The detectors below are filled in by their own change.
    def _detect_split_order(self, model_name, ids=None, period=None):
        return {}

    def _detect_unusual_amount(self, model_name, ids=None, period=None):
        return {}

    def _detect_vendor_employee(self, model_name, ids=None, period=None):
        return {}

    def _detect_duplicate_partner(self, model_name, ids=None, period=None):
        return {}

    def _detect_benford(self, model_name, ids=None, period=None):
        return {}
