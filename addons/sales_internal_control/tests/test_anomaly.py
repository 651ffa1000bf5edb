"""Anomaly detection: rules, findings, actions, review (issue 11)."""

from datetime import datetime

import pytz

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import DocumentCase


class AnomalyCase(DocumentCase):
    """Document helpers for the anomaly tests; no anomaly rule of the
    database applies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["control.anomaly.rule"].search([]).active = False
        cls.other_vendor = cls.env["res.partner"].create({"name": "Other Vendor"})

    @classmethod
    def _anomaly_rule(cls, detector, **values):
        return cls.env["control.anomaly.rule"].create(
            dict({"name": f"Rule {detector}", "detector": detector}, **values)
        )

    def _bill(self, price, ref=False, partner=None, date="2026-11-01"):
        bill = self._move("in_invoice", partner or self.vendor, price)
        bill.write({"ref": ref, "invoice_date": date})
        return bill

    def _findings(self, document, rule=None):
        domain = [("res_model", "=", document._name), ("res_id", "=", document.id)]
        if rule:
            domain.append(("rule_id", "=", rule.id))
        return self.env["control.anomaly"].search(domain)


@tagged("post_install", "-at_install")
class TestAnomalyEngine(AnomalyCase):
    def test_warn_records_one_finding_and_lets_through(self):
        rule = self._anomaly_rule("duplicate_bill", window_days=10)
        first = self._bill(500.0, ref="INV-2026/001")
        first.with_user(self.billing).action_post()
        self.assertFalse(self._findings(first))
        second = self._bill(720.0, ref="inv 2026-001")
        second.with_user(self.billing).action_post()
        self.assertEqual(second.state, "posted")
        finding = self._findings(second, rule)
        self.assertEqual(len(finding), 1)
        self.assertEqual(finding.state, "open")
        self.assertEqual(finding.user_id, self.billing)
        self.assertEqual(finding.related_documents[0][1], first.id)
        self.assertIn(first.name, finding.message)
        self.assertIn(self.controller, finding.activity_ids.user_id)
        self.assertTrue(self._logs(second, "anomaly"))
        # idempotent: posting again or scanning adds none
        second.button_draft()
        second.with_user(self.billing).action_post()
        rule.action_scan("2026-10-01", "2026-11-30")
        self.assertEqual(len(self._findings(second, rule)), 1)

    def test_near_miss_is_not_flagged(self):
        rule = self._anomaly_rule("duplicate_bill", window_days=10, tolerance_pct=1)
        self._bill(500.0, ref="A-1").with_user(self.billing).action_post()
        other = self._bill(520.0, ref="A-2", date="2026-11-05")
        other.with_user(self.billing).action_post()
        late = self._bill(500.0, ref="A-3", date="2026-11-20")
        late.with_user(self.billing).action_post()
        self.assertFalse(self._findings(other, rule) | self._findings(late, rule))

    def test_block_refuses_and_names_the_other_bill(self):
        self._anomaly_rule("duplicate_bill", window_days=10, action="block")
        first = self._bill(500.0, ref="B-7")
        first.with_user(self.billing).action_post()
        second = self._bill(500.0, ref="b7")
        with self.assertRaises(UserError) as refusal:
            second.with_user(self.billing).action_post()
        self.assertIn(first.name, str(refusal.exception))
        self.assertEqual(second.state, "draft")
        with self.assertRaises(UserError):
            second.with_user(self.billing).write({"state": "posted"})

    def test_approval_waits_for_a_controller(self):
        self._anomaly_rule("duplicate_bill", window_days=10, action="approval")
        self.company.control_approval_invoice = True
        first = self._bill(500.0, ref="C-1")
        first.with_user(self.billing).action_post()
        second = self._bill(500.0, ref="C-1")
        second.with_user(self.billing).action_post()
        self.assertEqual((second.state, second.approval_state), ("draft", "pending"))
        request = second.approval_request_ids
        self.assertEqual(
            request.group_id,
            self.env.ref("sales_internal_control.group_control_manager"),
        )
        with self.assertRaisesRegex(UserError, "cannot become Posted"):
            second.with_user(self.billing).write({"state": "posted"})
        request.with_user(self.controller).action_approve("checked with the vendor")
        self.assertEqual(second.state, "posted")

    def test_review(self):
        rule = self._anomaly_rule("duplicate_bill", window_days=10)
        self._bill(500.0, ref="D-1").with_user(self.billing).action_post()
        bill = self._bill(500.0, ref="D-1")
        bill.with_user(self.billing).action_post()
        finding = self._findings(bill, rule)
        with self.assertRaises(AccessError):
            finding.with_user(self.billing).action_dismiss("fine")
        with self.assertRaises(UserError):
            finding.with_user(self.controller).action_dismiss("  ")
        with self.assertRaises(AccessError):
            finding.with_user(self.controller).write({"state": "dismissed"})
        with self.assertRaises(UserError):
            finding.unlink()
        flagged_controller = new_test_user(
            self.env,
            login="ic_anom_flagged",
            groups="account.group_account_invoice,"
            "sales_internal_control.group_control_manager",
        )
        finding.sudo().user_id = flagged_controller
        with self.assertRaises(AccessError):
            finding.with_user(flagged_controller).action_confirm_finding("mine")
        self.assertEqual(finding.state, "open")
        self.assertTrue(
            finding.with_user(self.controller).action_confirm_finding("double billed")
        )
        self.assertEqual(
            (finding.state, finding.reviewed_by_id, finding.review_note),
            ("confirmed", self.controller, "double billed"),
        )
        with self.assertRaises(UserError):
            finding.with_user(self.controller).action_dismiss("again")

    def test_dismissed_finding_no_longer_blocks(self):
        rule = self._anomaly_rule("duplicate_bill", window_days=10, action="block")
        first = self._bill(500.0, ref="E-1")
        first.with_user(self.billing).action_post()
        rule.action = "warn"
        second = self._bill(500.0, ref="E-1")
        second.with_user(self.billing).action_post()
        second.button_draft()
        rule.action = "block"
        self._findings(second, rule).with_user(self.controller).action_dismiss(
            "credit note expected"
        )
        second.with_user(self.billing).action_post()
        self.assertEqual(second.state, "posted")

    def test_bad_rules(self):
        for values in (
            {"detector": "off_hours_payment", "hour_from": 20, "hour_to": 8},
            {"detector": "off_hours_payment", "hour_to": 25},
            {"detector": "duplicate_bill", "window_days": -1},
            {"detector": "duplicate_bill", "window_days": 0},
            {"detector": "duplicate_bill", "window_days": 5, "tolerance_pct": -2},
            {"detector": "off_hours_payment", "amount_min": -5},
            {"detector": "unusual_amount", "threshold": 0},
        ):
            with self.subTest(values=values):
                with self.assertRaises(ValidationError):
                    self._anomaly_rule(name="Bad", **values)
        with self.assertRaises(ValidationError):
            self._anomaly_rule("benford", threshold=float("nan"))
        with self.assertRaises(ValidationError):
            self.env["control.anomaly.rule"].action_scan("2026-11-30", "2026-11-01")
        with self.assertRaises(AccessError):
            self.env["control.anomaly.rule"].with_user(self.billing).action_scan()

    def test_scan_finds_what_was_posted_before_the_rule(self):
        # a period of its own: the demo data has no bills in 2030
        first = self._bill(500.0, ref="F-1", date="2030-03-01")
        second = self._bill(500.0, ref="F-1", date="2030-03-02")
        (first | second).with_user(self.billing).action_post()
        rule = self._anomaly_rule("duplicate_bill", window_days=10)
        count = rule.with_user(self.controller).action_scan("2030-03-01", "2030-03-31")
        self.assertEqual(count, 2)
        self.assertEqual(rule.action_scan("2030-03-01", "2030-03-31"), 0)

    def test_draft_duplicate_named_in_the_finding(self):
        """A draft bill with the same reference (no number yet) is named."""
        rule = self._anomaly_rule("duplicate_bill", window_days=10, action="block")
        draft = self._bill(500.0, ref="H-1")
        bill = self._bill(500.0, ref="H-1")
        with self.assertRaises(UserError) as refusal:
            bill.with_user(self.billing).action_post()
        self.assertIn("H-1", str(refusal.exception))
        rule.action = "warn"
        bill.with_user(self.billing).action_post()
        finding = self._findings(bill, rule)
        self.assertEqual(finding.related_documents[0][1], draft.id)
        self.assertIn(str(draft.id), finding.related_html)

    def test_other_company_rule_does_not_apply(self):
        other_company = self.env["res.company"].create({"name": "Anomaly Co B"})
        self._anomaly_rule(
            "duplicate_bill", window_days=10, company_id=other_company.id
        )
        self._bill(500.0, ref="G-1").with_user(self.billing).action_post()
        bill = self._bill(500.0, ref="G-1")
        bill.with_user(self.billing).action_post()
        self.assertFalse(self._findings(bill))


@tagged("post_install", "-at_install")
class TestBankAccounts(AnomalyCase):
    def test_bank_change_tracked_masked_and_flags_payment(self):
        rule = self._anomaly_rule("bank_change_payment", window_days=7)
        bank = self.env["res.partner.bank"].create(
            {"partner_id": self.vendor.id, "acc_number": "DE89370400440532013000"}
        )
        self.assertTrue(self.vendor.bank_account_changed_date)
        bank.acc_number = "DE89370400440532019999"
        logs = self._logs(self.vendor, "bank_account")
        self.assertEqual(len(logs), 2)
        self.assertIn("9999", logs[0].message + logs[1].message)
        self.assertNotIn("370400440532019999", logs[0].message + logs[1].message)
        payment = self._payment(300.0)
        self.assertEqual(
            list(rule._detect("account.payment", ids=payment.ids)), payment.ids
        )
        payment.with_user(self.billing).action_post()
        finding = self._findings(payment, rule)
        self.assertEqual(len(finding), 1)
        self.assertIn(self.vendor.name, finding.message)
        with self.assertRaises(AccessError):
            self.vendor.with_user(self.billing).write(
                {"bank_account_changed_date": False}
            )

    def test_payment_to_a_partner_without_bank_change(self):
        rule = self._anomaly_rule("bank_change_payment", window_days=7)
        payment = self._payment(300.0)
        payment.partner_id = self.other_vendor
        payment.with_user(self.billing).action_post()
        self.assertFalse(self._findings(payment, rule))

    def test_off_hours_payment(self):
        rule = self._anomaly_rule(
            "off_hours_payment",
            hour_from=0.0,
            hour_to=0.01,
            weekend_is_off_hours=False,
            amount_min=100.0,
        )
        # Business hours of one hour, at least two hours away from now in
        # the company's time zone (the test may run at any time of day).
        now = datetime.now(pytz.utc).astimezone(rule._company_tz())
        start = now.hour + 2 if now.hour < 12 else now.hour - 3
        rule.write({"hour_from": float(start), "hour_to": float(start + 1)})
        small = self._payment(50.0)
        small.with_user(self.billing).action_post()
        self.assertFalse(self._findings(small, rule))
        big = self._payment(5000.0)
        big.with_user(self.billing).action_post()
        self.assertIn("outside business hours", self._findings(big, rule).message)
        rule.write({"hour_from": 0.0, "hour_to": 24.0})
        within = self._payment(5000.0)
        within.with_user(self.billing).action_post()
        self.assertFalse(self._findings(within, rule))


@tagged("post_install", "-at_install")
class TestAnomalyQueries(AnomalyCase):
    def test_no_rule_no_query(self):
        bill = self._bill(100.0, ref="Q-1")
        bill.invalidate_recordset()
        self.env["control.anomaly.rule"]._rules_for(bill)
        with self.assertQueryCount(0):
            self.env["control.anomaly.rule"]._rules_for(bill)
            bill._anomaly_evaluate()

    def test_constant_queries_with_history(self):
        rule = self._anomaly_rule("duplicate_bill", window_days=10)
        bill = self._bill(100.0, ref="Q-2")
        bill.flush_recordset()
        rule._detect("account.move", ids=bill.ids)
        with self.assertQueryCount(1):
            rule._detect("account.move", ids=bill.ids)
        self.env["account.move"].create(
            [
                {
                    "move_type": "in_invoice",
                    "partner_id": self.vendor.id,
                    "invoice_date": "2026-10-01",
                    "invoice_line_ids": [
                        Command.create({"name": "x", "quantity": 1, "price_unit": 7})
                    ],
                }
                for _i in range(30)
            ]
        ).flush_recordset()
        with self.assertQueryCount(1):
            rule._detect("account.move", ids=bill.ids)
