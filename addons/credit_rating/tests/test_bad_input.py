from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CreditCommon

NON_FINITE = (float("nan"), float("inf"), float("-inf"), "nan", "abc")


@tagged("post_install", "-at_install")
class TestCreditBadInput(CreditCommon):
    """Bad input on scorecards, policies, partners and credit_check (issue 18)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["credit.scorecard"].search(
            [("company_id", "=", cls.company.id)]
        ).active = False
        cls.scorecard = (
            cls.env["credit.scorecard"]
            .create(
                {
                    "name": "Bad Input Scorecard",
                    "factor_ids": [
                        Command.create({"factor": "overdue_count_6m", "weight": 50}),
                        Command.create({"factor": "registered_capital", "weight": 50}),
                    ],
                    "policy_ids": [
                        Command.create({"grade": "C", "max_credit_limit": 500.0}),
                    ],
                }
            )
            .with_user(cls.controller)
        )
        cls.factor = cls.scorecard.factor_ids.filtered(
            lambda f: f.factor == "registered_capital"
        )
        cls.policy = cls.scorecard.policy_ids

    # ------------------------------------------------------------- item 18
    def test_batch_size_must_be_positive(self):
        for size in (0, -1):
            with self.assertRaises(ValidationError) as caught:
                self.scorecard.batch_size = size
            self.assertIn("Bad Input Scorecard", str(caught.exception))
            self.assertIn(str(size), str(caught.exception))
        with self.assertRaises(ValidationError):
            self.env["credit.scorecard"].with_user(self.controller).create(
                {
                    "name": "Negative Batch",
                    "active": False,
                    "batch_size": -1,
                    "factor_ids": [
                        Command.create({"factor": "overdue_count_6m", "weight": 100})
                    ],
                }
            )
        self.assertEqual(self.scorecard.batch_size, 500)
        self.assertFalse(
            self.env["credit.scorecard"].search([("name", "=", "Negative Batch")])
        )

    # ------------------------------------------------------------- item 19
    def test_factor_scale_must_be_finite(self):
        for field in ("best_value", "worst_value", "weight"):
            for value in NON_FINITE:
                with (
                    self.subTest(field=field, value=value),
                    self.assertRaisesRegex(ValidationError, "finite number"),
                ):
                    self.factor.write({field: value})
        self.assertEqual(self.factor.best_value, 1000000.0)
        self.assertEqual(self.factor.worst_value, 0.0)
        self.assertEqual(self.factor.weight, 50.0)
        # a scale saved through the scorecard's form, or given as a default
        with self.assertRaises(ValidationError) as caught:
            self.scorecard.write(
                {
                    "factor_ids": [
                        Command.update(self.factor.id, {"best_value": float("nan")})
                    ]
                }
            )
        self.assertIn("Bad Input Scorecard", str(caught.exception))
        with self.assertRaisesRegex(ValidationError, "finite number"):
            self.scorecard.factor_ids.with_context(
                default_worst_value=float("inf")
            ).create(
                {
                    "scorecard_id": self.scorecard.id,
                    "factor": "paid_volume_12m",
                    "weight": 0,
                }
            )
        self.assertEqual(len(self.scorecard.factor_ids), 2)
        self.assertEqual(self.factor.best_value, 1000000.0)

    def test_scorecard_and_policy_numbers_must_be_finite(self):
        for value in NON_FINITE + (10**12,):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                self.scorecard.write({"grade_a_min": value})
            with self.subTest(value=value), self.assertRaises(ValidationError):
                self.scorecard.write({"batch_size": value})
        for value in NON_FINITE:
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(ValidationError, "Grade C policy.*finite"),
            ):
                self.policy.write({"max_credit_limit": value})
        self.assertEqual(self.scorecard.grade_a_min, 80)
        self.assertEqual(self.scorecard.batch_size, 500)
        self.assertEqual(self.policy.max_credit_limit, 500.0)

    # ------------------------------------------------------------- item 21
    def test_saving_context_key_does_not_skip_weights_check(self):
        Factor = self.env["credit.scorecard.factor"].with_user(self.controller)
        forged = Factor.with_context(credit_scorecard_saving=True)
        # (assertRaises rolls each attempt back, as a request would)
        with self.assertRaises(ValidationError) as caught:
            forged.browse(self.factor.id).weight = 10
        self.assertIn("sum to 60", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            forged.browse(self.factor.id).unlink()
        self.assertIn("sum to 50", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            forged.create(
                {
                    "scorecard_id": self.scorecard.id,
                    "factor": "paid_volume_12m",
                    "weight": 10,
                }
            )
        self.assertIn("sum to 110", str(caught.exception))
        self.assertEqual(self.scorecard.weight_total, 100)
        self.assertEqual(len(self.scorecard.factor_ids), 2)
        # The scorecard's own save still changes several weights at once
        # (each row alone would break the sum for a moment).
        other = self.scorecard.factor_ids - self.factor
        self.scorecard.write(
            {
                "factor_ids": [
                    Command.update(self.factor.id, {"weight": 70}),
                    Command.update(other.id, {"weight": 30}),
                ]
            }
        )
        self.assertEqual(self.factor.weight, 70)
        self.scorecard.write(
            {
                "factor_ids": [
                    Command.delete(other.id),
                    Command.update(self.factor.id, {"weight": 40}),
                    Command.create({"factor": "paid_volume_12m", "weight": 60}),
                ]
            }
        )
        self.assertEqual(len(self.scorecard.factor_ids), 2)
        self.assertEqual(self.scorecard.weight_total, 100)

    # ------------------------------------------------------------- item 22
    def test_credit_check_refuses_non_finite_amounts(self):
        for amount in (float("nan"), float("inf"), "nan", "-inf", "abc", True):
            with self.subTest(amount=amount):
                with self.assertRaises(UserError) as caught:
                    self.customer.credit_check(amount)
                self.assertIn("Credit Customer Ltd", str(caught.exception))
                self.assertIn(repr(amount), str(caught.exception))
                self.assertNotIsInstance(caught.exception, ValidationError)
        # the amounts are refused before any exposure is computed
        partner_class = type(self.env["res.partner"])
        with (
            patch.object(partner_class, "_credit_evaluate") as evaluate,
            self.assertRaises(UserError),
        ):
            self.customer.credit_check(float("inf"))
        evaluate.assert_not_called()
        self.assertTrue(self.customer.credit_check(100)["allowed"])

    def test_partner_amounts_must_be_finite(self):
        customer = self.customer.with_user(self.controller)
        customer.registered_capital = 1000.0
        for field in ("credit_limit", "registered_capital"):
            for value in NON_FINITE:
                with (
                    self.subTest(field=field, value=value),
                    self.assertRaisesRegex(ValidationError, "finite number"),
                ):
                    customer.write({field: value})
                    customer.flush_recordset()
        self.assertEqual(customer.credit_limit, 1000.0)
        self.assertEqual(customer.registered_capital, 1000.0)
        with self.assertRaisesRegex(ValidationError, "Credit Customer Ltd"):
            customer.write({"credit_limit": float("nan")})
