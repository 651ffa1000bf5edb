from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestScorecard(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["credit.scorecard"].search(
            [("company_id", "=", cls.company.id)]
        ).active = False
        cls.term = cls.env["account.payment.term"].create({"name": "Cash in advance"})
        cls.scorecard = cls.env["credit.scorecard"].create(
            {
                "name": "Test Scorecard",
                "factor_ids": [
                    Command.create({"factor": "overdue_count_6m", "weight": 50}),
                    Command.create({"factor": "max_days_late_12m", "weight": 50}),
                ],
                "policy_ids": [
                    Command.create(
                        {
                            "grade": "C",
                            "payment_term_id": cls.term.id,
                            "max_credit_limit": 500.0,
                        }
                    ),
                ],
            }
        )
        today = fields.Date.context_today(cls.scorecard)
        cls.good = cls.env["res.partner"].create(
            {"name": "Good Payer", "is_company": True}
        )
        invoice = cls._invoice(
            cls.good, 300.0, today - timedelta(days=100), today - timedelta(days=70)
        )
        cls._pay(invoice, today - timedelta(days=75))
        cls.bad = cls.env["res.partner"].create(
            {"name": "Late Payer", "is_company": True, "credit_limit": 2000.0}
        )
        for _i in range(3):
            cls._invoice(
                cls.bad, 100.0, today - timedelta(days=70), today - timedelta(days=40)
            )

    def test_factor_values(self):
        today = fields.Date.context_today(self.scorecard)
        values = self.scorecard._factor_values(self.good | self.bad)
        good, bad = values[self.good.id], values[self.bad.id]
        self.assertEqual(good["overdue_count_6m"], 0)
        self.assertEqual(good["max_days_late_12m"], 0)
        self.assertAlmostEqual(good["avg_days_to_pay_12m"], 25.0)
        self.assertAlmostEqual(good["paid_volume_12m"], 300.0)
        self.assertEqual(good["customer_age_months"], 3)
        self.assertEqual(bad["overdue_count_6m"], 3)
        self.assertEqual(bad["max_days_late_12m"], 40)
        self.assertAlmostEqual(bad["paid_volume_12m"], 0.0)
        self.assertTrue(today)

    def test_rescore_grades_policies_and_chatter(self):
        self.scorecard.action_rescore()
        self.assertEqual(self.good.credit_score, 100)
        self.assertEqual(self.good.credit_grade, "A")
        self.assertEqual(self.bad.credit_score, 53)
        self.assertEqual(self.bad.credit_grade, "C")
        # policy of grade C: payment term and limit capped
        self.assertEqual(self.bad.property_payment_term_id, self.term)
        self.assertAlmostEqual(self.bad.credit_limit, 500.0)
        messages = self.bad.message_ids.filtered(
            lambda m: "Credit grade changed" in (m.body or "")
        )
        self.assertEqual(len(messages), 1)
        history = self.env["credit.grade.history"].search(
            [("partner_id", "=", self.bad.id)]
        )
        self.assertEqual(
            (history.old_grade, history.new_grade, history.score), (False, "C", 53)
        )
        # rescoring again with no change posts nothing new
        self.scorecard.action_rescore()
        self.assertEqual(
            len(
                self.bad.message_ids.filtered(
                    lambda m: "Credit grade changed" in (m.body or "")
                )
            ),
            1,
        )
        # stricter thresholds downgrade the late payer
        self.scorecard.write({"grade_c_min": 55, "grade_b_min": 70, "grade_a_min": 90})
        self.scorecard.action_rescore()
        self.assertEqual(self.bad.credit_grade, "D")
        # the override wins over the score
        self.bad.with_user(self.controller).credit_grade_override = "B"
        self.assertEqual(self.bad.credit_grade, "B")
        self.scorecard.action_rescore()
        self.assertEqual(self.bad.credit_grade, "B")

    def test_cron_rescore(self):
        self.env["credit.scorecard"]._cron_rescore()
        self.assertEqual(self.good.credit_grade, "A")
        self.assertEqual(
            self.good.credit_score_date, fields.Date.context_today(self.scorecard)
        )

    def test_partner_rescore_action_rights(self):
        with self.assertRaises(AccessError):
            self.bad.with_user(self.salesman).action_credit_rescore()
        self.bad.with_user(self.controller).action_credit_rescore()
        self.assertEqual(self.bad.credit_grade, "C")

    def test_weights_must_sum_to_100(self):
        with self.assertRaises(ValidationError) as cm:
            self.env["credit.scorecard"].create(
                {
                    "name": "Bad Weights",
                    "active": False,
                    "factor_ids": [
                        Command.create({"factor": "overdue_count_6m", "weight": 50}),
                        Command.create({"factor": "registered_capital", "weight": 40}),
                    ],
                }
            )
        self.assertIn("90", str(cm.exception))
        with self.assertRaises(ValidationError):
            self.scorecard.write(
                {
                    "factor_ids": [
                        Command.update(self.scorecard.factor_ids[0].id, {"weight": 60})
                    ]
                }
            )
        self.assertEqual(self.scorecard.weight_total, 100)
        with self.assertRaisesRegex(ValidationError, "sum to 0"):
            self.env["credit.scorecard"].create({"name": "No Factors", "active": False})
        # A factor row written or deleted on its own is checked as well
        # (assertRaises rolls each attempt back, as a request would).
        factor = self.scorecard.factor_ids[0]
        with self.assertRaises(ValidationError) as cm:
            factor.weight = 10
        self.assertIn("sum to 60", str(cm.exception))
        with self.assertRaises(ValidationError) as cm:
            factor.unlink()
        self.assertIn("sum to 50", str(cm.exception))
        with self.assertRaises(ValidationError) as cm:
            self.env["credit.scorecard.factor"].create(
                {
                    "scorecard_id": self.scorecard.id,
                    "factor": "paid_volume_12m",
                    "weight": 10,
                }
            )
        self.assertIn("sum to 110", str(cm.exception))
        self.assertEqual(self.scorecard.weight_total, 100)
        self.assertFalse(self.bad.credit_grade)

    def test_rescore_is_for_credit_controllers(self):
        with self.assertRaises(AccessError):
            self.scorecard.with_user(self.salesman).action_rescore()
        self.assertFalse(self.bad.credit_grade)
        self.scorecard.with_user(self.controller).action_rescore()
        self.assertEqual(self.bad.credit_grade, "C")

    def test_thresholds_out_of_order(self):
        for vals in (
            {"grade_a_min": 50},  # A below B
            {"grade_c_min": 60},  # C equal to B
            {"grade_a_min": 120},
            {"grade_c_min": -5},
        ):
            with self.assertRaises(ValidationError):
                self.scorecard.write(vals)
        self.assertEqual(
            (
                self.scorecard.grade_a_min,
                self.scorecard.grade_b_min,
                self.scorecard.grade_c_min,
            ),
            (80, 60, 40),
        )

    def test_one_active_scorecard_per_company(self):
        with self.assertRaises(ValidationError):
            self.scorecard.copy({"name": "Second", "active": True})
        other = self.env["res.company"].create({"name": "Scorecard Second Co"})
        copy = self.scorecard.copy({"name": "Other company", "company_id": other.id})
        self.assertTrue(copy.active)

    def test_negative_policy_limit(self):
        with self.assertRaises(ValidationError):
            self.scorecard.policy_ids.max_credit_limit = -10.0


@tagged("post_install", "-at_install")
class TestExposureReport(CreditCommon):
    def test_report_and_export(self):
        today = fields.Date.context_today(self.customer)
        self._order(amount=200.0).action_confirm()
        self._invoice(
            self.customer, 150.0, today - timedelta(days=30), today - timedelta(days=5)
        )
        self._invoice(self.customer, 70.0, today, post=False)
        self.env.flush_all()
        lines = self.env["credit.exposure.report"].search(
            [("partner_id", "=", self.customer.id)]
        )
        by_bucket = {}
        for line in lines:
            by_bucket[line.bucket] = by_bucket.get(line.bucket, 0.0) + line.amount
        self.assertEqual(
            by_bucket, {"order": 200.0, "receivable": 150.0, "draft_invoice": 70.0}
        )
        self.assertAlmostEqual(sum(lines.mapped("overdue_amount")), 150.0)
        self.assertAlmostEqual(self.customer.credit_exposure, 420.0)
        rows = self.customer._credit_export_rows()
        self.assertEqual(rows[0][0], self.customer.name)
        self.assertEqual(rows[0][6:], (1000.0, 150.0, 150.0, 200.0, 70.0, 420.0, 580.0))
        action = self.customer.with_user(self.controller)._credit_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        content = self.env["control.xlsx.export"]._xlsx_content(
            "Credit Exposure", [("Customer", "text")], [(self.customer.name,)]
        )
        self.assertEqual(content[:2], b"PK")
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman)._credit_export_xlsx()

    def test_work_queue(self):
        self.customer.with_user(self.controller).credit_hold = True
        action = self.env.ref("credit_rating.res_partner_action_credit_hold")
        self.assertEqual(action.domain, "[('credit_hold', '=', True)]")
        self.assertIn(
            self.customer, self.env["res.partner"].search([("credit_hold", "=", True)])
        )
        order = self._order(amount=50.0)
        try:
            order.action_confirm()
        except UserError as error:
            self.assertIn("credit hold", str(error))
        # the try/except keeps the write of the state; reset it as a real
        # request would have rolled it back
        order.state = "draft"
        blocked = self.env["sale.order"].search([("credit_blocked", "=", True)])
        self.assertIn(order, blocked)
        order.with_user(self.controller).action_credit_release("checked")
        self.assertNotIn(
            order, self.env["sale.order"].search([("credit_blocked", "=", True)])
        )
