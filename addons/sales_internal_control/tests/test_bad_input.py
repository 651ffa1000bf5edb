from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from ..models.control_tools import check_finite, is_finite_number
from .common import ApprovalCase

NON_FINITE = (float("nan"), float("inf"), float("-inf"), "nan", "inf", "abc")


@tagged("post_install", "-at_install")
class TestBadInput(ApprovalCase):
    """Approval rules refuse non-finite amounts and discounts (issue 18, item 22)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls._rule(amount_min=1000.0, discount_min=10.0)
        cls.Rule = cls.env["control.approval.rule"].with_user(cls.controller)

    def test_check_finite_helper(self):
        for value in (0, 3, -2.5, 1e300):
            self.assertEqual(check_finite(self.env, value, "x", "R"), value)
            self.assertTrue(is_finite_number(value))
        for value in (float("nan"), float("inf"), "1", None, True, [1]):
            self.assertFalse(is_finite_number(value))
            with self.assertRaisesRegex(ValidationError, "R: the amount must be a"):
                check_finite(self.env, value, "the amount", "R")
        with self.assertRaises(UserError):
            check_finite(self.env, "x", "the amount", "R", error=UserError)

    def test_rule_amount_min_non_finite_refused(self):
        rule = self.rule.with_user(self.controller)
        for field in ("amount_min", "discount_min"):
            for value in NON_FINITE:
                with (
                    self.subTest(field=field, value=value),
                    self.assertRaisesRegex(ValidationError, "finite number"),
                ):
                    rule.write({field: value})
        self.assertEqual(rule.amount_min, 1000.0)
        self.assertEqual(rule.discount_min, 10.0)
        self.assertIn(rule.name, self._error(rule, {"amount_min": float("nan")}))

    def test_rule_create_non_finite_refused(self):
        count = self.Rule.search_count([])
        vals = {"name": "Bad rule", "model_name": "purchase.order"}
        for value in NON_FINITE:
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(ValidationError, "Bad rule.*finite"),
            ):
                self.Rule.create(dict(vals, amount_min=value))
            # defaults given in the context are checked too
            with self.subTest(default=value), self.assertRaises(ValidationError):
                self.Rule.with_context(default_amount_min=value).create(vals)
        self.assertEqual(self.Rule.search_count([]), count)

    def test_message_translated(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["sales_internal_control"], ["zh_CN"], overwrite=True
        )
        rule = self.rule.with_user(self.controller).with_context(lang="zh_CN")
        with self.assertRaisesRegex(ValidationError, "必须是有限数值.*nan"):
            rule.write({"amount_min": float("nan")})

    def _error(self, record, vals):
        with self.assertRaises(ValidationError) as caught:
            record.write(vals)
        return str(caught.exception)
