from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditBlock(CreditCommon):
    def _confirm_blocked(self, order):
        """Confirm, expect the block; return the message. Nothing is changed."""
        with self.assertRaises(UserError) as cm:
            order.action_confirm()
        for record in order:
            self.assertIn(record.state, ("draft", "sent"))
        return str(cm.exception)

    def test_within_limit(self):
        order = self._order(amount=600.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertAlmostEqual(self.customer.credit_exposure, 600.0)
        self.assertAlmostEqual(self.customer.credit_order_amount, 600.0)
        self.assertAlmostEqual(self.customer.credit_available, 400.0)
        # read on the commercial partner
        self.assertAlmostEqual(self.contact.credit_exposure, 600.0)

    def test_limit_block(self):
        self._order(amount=600.0).action_confirm()
        order = self._order(partner=self.contact, amount=500.0)
        message = self._confirm_blocked(order)
        for text in (order.name, self.customer.name, "600.00", "1,000.00", "500.00"):
            self.assertIn(text, message)
        self.assertIn("100.00", message)  # shortfall
        # The audit line of the block. Under tests it is written in the test's
        # transaction (in real use, in a cursor of its own), so it is read
        # here without the savepoint rollback of assertRaises.
        try:
            order.action_confirm()
        except UserError as error:
            self.assertIn(order.name, str(error))
        else:
            self.fail("The order was confirmed over the limit")
        log = self._logs(order, "blocked")
        self.assertEqual(len(log), 1)
        self.assertAlmostEqual(log.amount, 500.0)
        # A request's rollback undoes the refused confirmation; here, by hand.
        order.write({"state": "draft"})
        self.assertEqual(
            self.env["sale.order"].search(
                [("id", "=", order.id), ("credit_blocked", "=", True)]
            ),
            order,
        )
        # a salesman cannot give the order a release himself
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).write({"credit_release_amount": 1e12})
        with self.assertRaises(UserError):
            order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft")

    def test_exact_limit_passes(self):
        self._order(amount=1000.0).action_confirm()
        self.assertAlmostEqual(self.customer.credit_available, 0.0)

    def test_batch_confirmation_counts_every_order(self):
        orders = self._order(amount=600.0) | self._order(amount=600.0)
        message = self._confirm_blocked(orders)
        self.assertIn("1,200.00", message)

    def test_hold_block(self):
        self.customer.with_user(self.controller).credit_hold = True
        message = self._confirm_blocked(self._order(amount=10.0))
        self.assertIn("credit hold", message)

    def test_grade_block(self):
        self.customer.sudo().credit_grade = "D"
        message = self._confirm_blocked(self._order(amount=10.0))
        self.assertIn("grade D", message)
        self.company.credit_block_grade_d = False
        scorecard = self.env["credit.scorecard"]._get_active(self.company)
        scorecard.policy_ids.filtered(
            lambda p: p.grade == "D"
        ).block_confirmation = False
        order = self._order(amount=10.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_overdue_block(self):
        past = fields.Date.today() - timedelta(days=40)
        self._invoice(self.customer, 50.0, past, past + timedelta(days=10))
        self.assertAlmostEqual(self.customer.credit_overdue_amount, 50.0)
        message = self._confirm_blocked(self._order(amount=10.0))
        self.assertIn("overdue", message)
        self.company.credit_block_overdue = False
        order = self._order(amount=10.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_no_limit_no_block(self):
        customer = self.env["res.partner"].create({"name": "Unlimited Co"})
        order = self._order(partner=customer, amount=1e6)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_company_default_limit_and_hold(self):
        """A customer without values of its own has the company's defaults
        (Settings' default credit limit is an ``ir.default``): the check
        reads them as the ORM does, and another company's do not apply."""
        customer = self.env["res.partner"].create({"name": "Defaulted Co"})
        company2 = self.env["res.company"].create({"name": "Credit Default Co"})
        Default = self.env["ir.default"]
        Default.set("res.partner", "credit_limit", 50.0, company_id=self.company.id)
        Default.set("res.partner", "credit_limit", 1e6, company_id=company2.id)
        self.assertEqual(customer.credit_limit, 50.0)
        message = self._confirm_blocked(self._order(partner=customer, amount=80.0))
        self.assertIn("50.00", message)
        self._order(partner=customer, amount=50.0).action_confirm()
        # its own value wins over the default
        customer.credit_limit = 200.0
        self._order(partner=customer, amount=100.0).action_confirm()
        Default.set("res.partner", "credit_hold", True, company_id=self.company.id)
        other = self.env["res.partner"].create({"name": "Held By Default"})
        self.assertTrue(other.credit_hold)
        self._confirm_blocked(self._order(partner=other, amount=1.0))

    def test_context_does_not_skip(self):
        self._order(amount=900.0).action_confirm()
        order = self._order(amount=500.0).with_context(
            skip_credit_check=True, credit_check_skip=True, bypass_credit=True
        )
        self._confirm_blocked(order)

    def test_credit_check_dict(self):
        self._order(amount=300.0).action_confirm()
        result = self.contact.credit_check(800.0)
        self.assertFalse(result["allowed"])
        self.assertAlmostEqual(result["exposure"], 300.0)
        self.assertAlmostEqual(result["limit"], 1000.0)
        self.assertAlmostEqual(result["available"], 700.0)
        self.assertEqual(len(result["reasons"]), 1)
        self.assertTrue(self.customer.credit_check(700.0)["allowed"])
        self.assertEqual(
            set(result),
            {"allowed", "exposure", "limit", "available", "grade", "reasons"},
        )

    # ------------------------------------------------------------------ release
    def test_release(self):
        self._order(amount=900.0).action_confirm()
        order = self._order(amount=500.0)
        self._confirm_blocked(order)
        order.with_user(self.controller).action_credit_release(
            "Bank guarantee received"
        )
        self.assertAlmostEqual(order.credit_release_amount, 500.0)
        self.assertEqual(len(self._logs(order, "override")), 1)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        # valid once
        self.assertFalse(order.credit_release_amount)

    def test_state_written_directly_is_checked(self):
        """A plain write of the state (XML-RPC) goes through the same check."""
        self._order(amount=900.0).action_confirm()
        order = self._order(amount=500.0)
        # assertRaises (not assertRaisesRegex) rolls back to a savepoint, as
        # the request would.
        with self.assertRaises(UserError) as cm:
            order.with_user(self.salesman).write({"state": "sale"})
        self.assertIn(order.name, str(cm.exception))
        self.assertEqual(order.state, "draft")
        small = self._order(amount=50.0)
        small.with_user(self.salesman).write({"state": "sale"})
        self.assertEqual(small.state, "sale")

    def test_confirmed_order_raised_is_checked(self):
        order = self._order(amount=600.0)
        order.action_confirm()
        line = order.order_line
        # assertRaises rolls each refused change back, as a request would.
        with self.assertRaises(UserError) as cm:
            line.with_user(self.salesman).price_unit = 1200.0
        message = str(cm.exception)
        for text in (order.name, self.customer.name, "600.00", "1,000.00", "200.00"):
            self.assertIn(text, message)
        self.assertEqual(line.price_unit, 600.0)
        with self.assertRaises(UserError):
            self.env["sale.order.line"].with_user(self.salesman).create(
                {
                    "order_id": order.id,
                    "product_id": self.product.id,
                    "price_unit": 500.0,
                }
            )
        self.assertEqual(len(order.order_line), 1)
        # Within the limit, or lower: passes.
        line.with_user(self.salesman).price_unit = 900.0
        line.with_user(self.salesman).price_unit = 300.0
        self.assertAlmostEqual(self.customer.credit_exposure, 300.0)
        # On hold: no raise at all.
        self.customer.with_user(self.controller).credit_hold = True
        with self.assertRaises(UserError) as cm:
            line.with_user(self.salesman).price_unit = 310.0
        self.assertIn("hold", str(cm.exception))
        line.with_user(self.salesman).price_unit = 250.0  # lower is always fine

    def test_queue_lists_credit_blocks_only(self):
        order = self._order(amount=100.0)
        # A block by another control (contract, approval completion).
        self.env["control.log"]._log("blocked", order, "Contract C0001 is expired")
        blocked = self.env["sale.order"].search([("credit_blocked", "=", True)])
        self.assertNotIn(order, blocked)
        self.customer.with_user(self.controller).credit_hold = True
        self._confirm_blocked(order)
        # (under tests the detached line is written in the test transaction,
        # rolled back with assertRaises: write it again as the check does)
        try:
            order.action_confirm()
        except UserError:
            order.write({"state": "draft"})  # the request's rollback, by hand
        blocked = self.env["sale.order"].search([("credit_blocked", "=", True)])
        self.assertIn(order, blocked)
        self.assertEqual(
            set(self._logs(order, "blocked").mapped("control")), {False, "credit"}
        )

    def test_release_used_once_even_if_not_needed(self):
        order = self._order(amount=500.0)
        order.with_user(self.controller).action_credit_release("just in case")
        order.action_confirm()  # within the limit: the release is not needed
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.credit_release_amount)

    def test_release_void_for_another_customer(self):
        other = self.env["res.partner"].create(
            {"name": "Credit Other Customer", "credit_limit": 100.0}
        )
        order = self._order(amount=500.0)
        order.with_user(self.controller).action_credit_release("for this customer")
        order.with_user(self.salesman).partner_id = other
        self.assertFalse(order.credit_release_amount)
        message = self._confirm_blocked(order)
        self.assertIn(other.name, message)

    def test_release_refused_for_salesman(self):
        order = self._order(amount=1500.0)
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).action_credit_release("please")
        self.assertFalse(order.credit_release_amount)
        self.assertFalse(self._logs(order, "override"))
        with self.assertRaises(UserError):
            order.with_user(self.controller).action_credit_release("  ")

    def test_release_void_when_amount_rises(self):
        order = self._order(amount=1500.0)
        order.with_user(self.controller).action_credit_release("one-off deal")
        order.order_line.price_unit = 1600.0
        message = self._confirm_blocked(order)
        self.assertIn("1,600.00", message)
        # a lower amount is still covered
        order.order_line.price_unit = 1400.0
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    # ----------------------------------------------------------------- exposure
    def test_exposure_after_invoicing_and_payment(self):
        order = self._order(amount=400.0)
        order.action_confirm()
        self.assertAlmostEqual(self.customer.credit_order_amount, 400.0)
        invoice = order._create_invoices()
        self.customer.invalidate_recordset()
        self.assertAlmostEqual(self.customer.credit_order_amount, 0.0)
        self.assertAlmostEqual(self.customer.credit_draft_invoice_amount, 400.0)
        self.assertAlmostEqual(self.customer.credit_exposure, 400.0)
        invoice.action_post()
        self.customer.invalidate_recordset()
        self.assertAlmostEqual(self.customer.credit_draft_invoice_amount, 0.0)
        self.assertAlmostEqual(self.customer.credit_receivable_amount, 400.0)
        self.assertAlmostEqual(self.customer.credit_exposure, 400.0)
        self._pay(invoice)
        self.customer.invalidate_recordset()
        self.assertAlmostEqual(self.customer.credit_exposure, 0.0)
        self.assertAlmostEqual(self.customer.credit_available, 1000.0)

    def test_drill_down_actions(self):
        order = self._order(amount=400.0)
        order.action_confirm()
        action = self.customer.action_view_credit_orders()
        self.assertEqual(self.env["sale.order"].search(action["domain"]), order)
        for method in (
            "action_view_credit_receivables",
            "action_view_credit_overdue",
            "action_view_credit_draft_invoices",
        ):
            action = getattr(self.customer, method)()
            self.env[action["res_model"]].search(action["domain"])

    def test_multi_currency(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        if self.currency == eur:
            eur = self.env.ref("base.USD")
            eur.active = True
        self.env["res.currency.rate"].create(
            {
                "name": fields.Date.today() - timedelta(days=1),
                "rate": 2.0,
                "currency_id": eur.id,
                "company_id": self.company.id,
            }
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Foreign", "currency_id": eur.id}
        )
        order = self._order(amount=1600.0, pricelist_id=pricelist.id)
        self.assertEqual(order.currency_id, eur)
        order.action_confirm()  # 1,600 foreign = 800 company currency
        self.assertAlmostEqual(self.customer.credit_exposure, 800.0)
        # 600 foreign = 300 company currency: 1,100 > 1,000
        order2 = self._order(amount=600.0, pricelist_id=pricelist.id)
        message = self._confirm_blocked(order2)
        self.assertIn("1,100.00", message)
        self.assertIn("300.00", message)
        order3 = self._order(amount=200.0)
        order3.action_confirm()
        self.assertAlmostEqual(self.customer.credit_exposure, 1000.0)

    def test_multi_company(self):
        company2 = self.env["res.company"].create({"name": "Credit Second Co"})
        self.env.user.company_ids |= company2
        self.customer.with_company(company2).credit_limit = 100.0
        self._order(amount=900.0).action_confirm()
        # company 2 has its own exposure and limit
        customer2 = self.customer.with_company(company2)
        self.assertAlmostEqual(customer2.credit_exposure, 0.0)
        self.assertAlmostEqual(customer2.credit_limit, 100.0)
        self.assertAlmostEqual(self.customer.credit_limit, 1000.0)
        order2 = (
            self.env["sale.order"]
            .with_company(company2)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": company2.id,
                    "order_line": [
                        (0, 0, {"product_id": self.product.id, "price_unit": 150.0})
                    ],
                }
            )
        )
        with self.assertRaises(UserError) as cm:
            order2.with_company(company2).action_confirm()
        self.assertIn("100.00", str(cm.exception))
        self.assertAlmostEqual(self.customer.credit_exposure, 900.0)
        # A credit controller of the first company only cannot release (nor
        # even read) the second company's order.
        with self.assertRaises(AccessError):
            order2.with_user(self.controller).action_credit_release("not mine")
        self.assertFalse(order2.credit_release_amount)
        self.assertFalse(self._logs(order2, "override"))

    # ------------------------------------------------------------ rights & input
    def test_salesman_cannot_change_credit_fields(self):
        customer = self.customer.with_user(self.salesman)
        for vals in (
            {"credit_limit": 5000.0},
            {"credit_hold": True},
            {"credit_strategic": True},
            {"credit_grade_override": "A"},
            {"registered_capital": 1e9},
            # the engine's own fields: not even through the client
            {"credit_grade": "A"},
            {"credit_score": 100},
            {"credit_score_date": fields.Date.today()},
        ):
            with self.assertRaises(AccessError):
                customer.write(vals)
        with self.assertRaises(AccessError):
            self.customer.with_user(self.controller).write({"credit_grade": "A"})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.salesman).create(
                {"name": "Sneaky", "credit_hold": False, "credit_strategic": True}
            )
        self.assertAlmostEqual(self.customer.credit_limit, 1000.0)
        self.assertFalse(self.customer.credit_strategic)
        # other fields and unchanged values stay writable
        customer.write({"phone": "+1 555 0100", "credit_hold": False})
        self.assertEqual(self.customer.phone, "+1 555 0100")
        # the controller can
        self.customer.with_user(self.controller).write(
            {"credit_limit": 2000.0, "credit_strategic": True}
        )
        self.assertAlmostEqual(self.customer.credit_limit, 2000.0)

    def test_negative_limit(self):
        with self.assertRaises(ValidationError):
            self.customer.with_user(self.controller).credit_limit = -1.0
        self.assertAlmostEqual(self.customer.credit_limit, 1000.0)

    def test_grade_override(self):
        self.customer.with_user(self.controller).credit_grade_override = "D"
        self.assertEqual(self.customer.credit_grade, "D")
        self.assertTrue(
            self.env["credit.grade.history"].search(
                [("partner_id", "=", self.customer.id), ("new_grade", "=", "D")]
            )
        )
        self._confirm_blocked(self._order(amount=10.0))

    def test_grade_override_at_creation(self):
        partner = (
            self.env["res.partner"]
            .with_user(self.controller)
            .create({"name": "Credit New D", "credit_grade_override": "D"})
        )
        self.assertEqual(partner.credit_grade, "D")
        self._confirm_blocked(self._order(partner=partner, amount=10.0))

    def test_draft_credit_note_does_not_lower_exposure(self):
        self._order(amount=900.0).action_confirm()
        refund = self._invoice(self.customer, 500.0, fields.Date.today(), post=False)
        refund.move_type = "out_refund"
        self.customer.invalidate_recordset()
        self.assertAlmostEqual(self.customer.credit_exposure, 900.0)
        with self.assertRaises(UserError):
            self._order(amount=200.0).action_confirm()

    def test_credit_check_bad_input(self):
        for amount in ("abc", -5.0, [1]):
            with self.assertRaisesRegex(UserError, "positive number"):
                self.customer.credit_check(amount)
        self.assertTrue(self.customer.credit_check("100")["allowed"])
