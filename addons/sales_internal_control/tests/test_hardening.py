"""Issue 18 (items 1-5, 7, 14): no side door around the approval engine."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import DocumentCase


@tagged("post_install", "-at_install")
class TestForgedDefaults(DocumentCase):
    """Item 1: protected fields are checked on the final values of create."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._rule(amount_min=1000)
        cls._rule(model="purchase.order", amount_min=1000)

    def _order_vals(self, price=5000.0):
        return {
            "partner_id": self.partner.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": self.product.id,
                        "price_unit": price,
                        "tax_id": [Command.clear()],
                    }
                )
            ],
        }

    def test_context_defaults_refused_on_every_document(self):
        forged = {"default_approval_state": "approved", "default_approval_amount": 1e9}
        cases = [
            ("sale.order", self.salesman, self._order_vals()),
            ("purchase.order", self.buyer, {"partner_id": self.vendor.id}),
            ("account.move", self.billing, {"move_type": "in_invoice"}),
            (
                "account.payment",
                self.billing,
                {"payment_type": "outbound", "partner_id": self.vendor.id},
            ),
        ]
        for model, user, vals in cases:
            for key, value in forged.items():
                with self.subTest(model=model, key=key):
                    Model = self.env[model].with_user(user)
                    before = Model.sudo().search_count([])
                    with self.assertRaisesRegex(AccessError, "approval engine"):
                        Model.with_context(**{key: value}).create(dict(vals))
                    self.assertEqual(Model.sudo().search_count([]), before)
            # without the forged default the same user creates the document
            document = self.env[model].with_user(user).create(dict(vals))
            self.assertEqual(document.approval_state, "none")

    def test_personal_default_refused(self):
        self.env["ir.default"].with_user(self.salesman).set(
            "sale.order", "approval_amount", 1e9, user_id=True
        )
        with self.assertRaisesRegex(AccessError, "approval engine"):
            self.env["sale.order"].with_user(self.salesman).create(self._order_vals())
        # another user is not affected by the salesman's personal default
        order = (
            self.env["sale.order"]
            .with_user(self.sales_manager)
            .create(self._order_vals())
        )
        self.assertEqual(order.approval_amount, 0.0)

    def test_forged_order_cannot_confirm_past_the_rule(self):
        order = (
            self.env["sale.order"].with_user(self.salesman).create(self._order_vals())
        )
        order.action_confirm()
        self.assertEqual((order.state, order.approval_state), ("draft", "pending"))

    def test_bank_statement_line_created_by_an_accountant(self):
        """Odoo creates the journal entry of a statement line through
        _inherits with the default approval values: that is not forging."""
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        accountant = new_test_user(
            self.env,
            login="ic_hard_accountant",
            groups="account.group_account_manager,account.group_account_user",
        )
        line = (
            self.env["account.bank.statement.line"]
            .with_user(accountant)
            .create({"journal_id": journal.id, "amount": 125.0, "payment_ref": "X"})
        )
        self.assertEqual(line.move_id.approval_state, "none")
        self.assertEqual(line.move_id.state, "posted")


@tagged("post_install", "-at_install")
class TestColumns(DocumentCase):
    """Item 17: code that does not know the approval fields (an at_install
    test of sale, data loaded while upgrading sale) can insert documents."""

    def test_approval_state_has_a_database_default(self):
        for table in (
            "sale_order",
            "purchase_order",
            "account_move",
            "account_payment",
        ):
            self.env.cr.execute(
                "SELECT column_default FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = 'approval_state'",
                [table],
            )
            self.assertEqual(self.env.cr.fetchone()[0], "'none'::character varying")


@tagged("post_install", "-at_install")
class TestCreatedDone(DocumentCase):
    """Item 2: a document created in a done state meets the same controls."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._rule(amount_min=1000)
        cls._rule(model="purchase.order", amount_min=1000)

    def _vals(self, price, model="sale.order"):
        if model == "sale.order":
            line = {"product_id": self.product.id, "price_unit": price}
            line["tax_id"] = [Command.clear()]
            return {"partner_id": self.partner.id, "order_line": [Command.create(line)]}
        line = {"product_id": self.product.id, "product_qty": 1, "price_unit": price}
        line["taxes_id"] = [Command.clear()]
        return {"partner_id": self.vendor.id, "order_line": [Command.create(line)]}

    def test_sale_created_confirmed(self):
        Order = self.env["sale.order"].with_user(self.salesman)
        count = Order.search_count([])
        with self.assertRaisesRegex(UserError, "cannot become"):
            Order.create(dict(self._vals(5000.0), state="sale"))
        with self.assertRaisesRegex(UserError, "cannot become"):
            Order.with_context(default_state="sale").create(self._vals(5000.0))
        self.assertEqual(Order.search_count([]), count)
        # under every rule: created confirmed, as a plain write would
        order = Order.create(dict(self._vals(500.0), state="sale"))
        self.assertEqual((order.state, order.approval_state), ("sale", "none"))

    def test_purchase_created_confirmed(self):
        Order = self.env["purchase.order"].with_user(self.buyer)
        with self.assertRaisesRegex(UserError, "cannot become"):
            Order.create(dict(self._vals(5000.0, "purchase.order"), state="purchase"))
        order = Order.create(
            dict(self._vals(500.0, "purchase.order"), state="purchase")
        )
        self.assertEqual(order.state, "purchase")


@tagged("post_install", "-at_install")
class TestRaisedAfterConfirmation(DocumentCase):
    """Items 3 and 5: a done document never keeps a change that needs an
    approval it does not have, whatever field carries the change."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.amount_rule = cls._rule(amount_min=1000, name="Big orders")
        cls.discount_rule = cls._rule(discount_min=50, name="Big discounts")
        cls._rule(model="purchase.order", amount_min=1000, name="Big purchases")
        cls.dozen = cls.env.ref("uom.product_uom_dozen")

    def _refused(self, change):
        with self.assertRaises(UserError) as refusal:
            change()
        return str(refusal.exception)

    def test_confirmed_order_raised_over_a_rule(self):
        order = self._order(500.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        message = self._refused(
            lambda: order.with_user(self.salesman).write(
                {
                    "order_line": [
                        Command.update(order.order_line.id, {"price_unit": 60000})
                    ]
                }
            )
        )
        self.assertIn("500.00", message)
        self.assertIn("60,000.00", message)
        self.assertIn("Big orders", message)
        self.assertEqual(order.amount_total, 500.0)
        # a change that needs no approval goes through
        order.order_line.with_user(self.salesman).price_unit = 600.0
        self.assertEqual(order.amount_total, 600.0)

    def test_lowering_an_order_confirmed_before_its_rule(self):
        """A document confirmed before a rule existed may still be lowered;
        raising it asks for the approval it never had."""
        self.amount_rule.active = False
        order = self._order(5000.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.amount_rule.active = True
        order.order_line.with_user(self.salesman).price_unit = 4000.0
        self.assertEqual(order.amount_total, 4000.0)
        message = self._refused(
            lambda: setattr(
                order.order_line.with_user(self.salesman), "price_unit", 4100
            )
        )
        self.assertIn("Big orders", message)

    def test_discount_added_to_a_confirmed_line(self):
        order = self._order(500.0)
        order.action_confirm()
        message = self._refused(
            lambda: setattr(order.order_line.with_user(self.salesman), "discount", 60)
        )
        self.assertIn("Big discounts", message)
        self.assertEqual(order.order_line.discount, 0.0)

    def test_unit_of_measure_raises_an_approved_order(self):
        order = self._order(1500.0)
        order.action_confirm()
        order.approval_request_ids.with_user(self.sales_manager).action_approve()
        self.assertEqual((order.state, order.approval_state), ("sale", "approved"))
        message = self._refused(
            lambda: order.order_line.with_user(self.salesman).write(
                {"product_uom": self.dozen.id, "price_unit": 1500.0 * 12}
            )
        )
        self.assertIn("18,000.00", message)
        self.assertEqual(order.order_line.product_uom, self.product.uom_id)

    def test_confirmed_purchase_raised(self):
        order = self._purchase(100.0)
        order.button_confirm()
        self.assertEqual(order.state, "purchase")
        message = self._refused(
            lambda: order.order_line.with_user(self.buyer).write({"product_qty": 100})
        )
        self.assertIn("10,000.00", message)
        self.assertEqual(order.order_line.product_qty, 1)

    def test_line_removed_from_a_pending_order(self):
        """A negative line (a rebate) removed raises the total too (Odoo
        itself refuses to remove lines of a confirmed order)."""
        order = self._order(1600.0)
        order.write(
            {
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "price_unit": -100.0,
                            "tax_id": [Command.clear()],
                        }
                    )
                ]
            }
        )
        order.action_confirm()
        self.assertEqual((order.approval_state, order.amount_total), ("pending", 1500))
        rebate = order.order_line.filtered(lambda line: line.price_unit < 0)
        rebate.with_user(self.salesman).unlink()
        self.assertEqual(order.amount_total, 1600.0)
        self.assertEqual(order.approval_state, "none")


@tagged("post_install", "-at_install")
class TestPendingRoundReevaluated(DocumentCase):
    """Item 4: a change during a pending round re-evaluates the rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._rule(amount_min=1000, name="Big orders")
        cls._rule(
            discount_min=20,
            name="Discounts",
            tiers=[("Controller", cls.controller_group)],
        )

    def test_discount_added_while_pending(self):
        order = self._order(2000.0)
        order.action_confirm()
        requests = order.approval_request_ids
        self.assertEqual(requests.rule_id.mapped("name"), ["Big orders"])
        order.order_line.with_user(self.salesman).discount = 30
        self.assertEqual(order.amount_total, 1400.0)
        # the round does not cover the discount rule: it is void
        self.assertEqual(order.approval_state, "none")
        self.assertEqual(set(requests.mapped("state")), {"cancelled"})
        with self.assertRaisesRegex(UserError, "already"):
            requests.with_user(self.sales_manager).action_approve()
        self.assertEqual(order.state, "draft")
        # confirming again asks for both rules' tiers
        order.with_user(self.salesman).action_confirm()
        new_round = order.approval_request_ids
        self.assertEqual(
            set(new_round.rule_id.mapped("name")), {"Big orders", "Discounts"}
        )
        new_round.sorted("sequence")[0].with_user(self.sales_manager).action_approve()
        self.assertEqual(order.state, "draft")
        new_round.sorted("sequence")[1].with_user(self.controller).action_approve()
        self.assertEqual((order.state, order.approval_state), ("sale", "approved"))

    def test_plain_state_write_checks_rule_coverage(self):
        """An approval given under one rule does not let a plain write of the
        state past a rule it did not cover."""
        order = self._order(2000.0)
        order.action_confirm()
        order.approval_request_ids.with_user(self.sales_manager).action_approve()
        self.assertEqual((order.state, order.approval_state), ("sale", "approved"))
        order.with_user(self.sales_manager)._action_cancel()
        order.with_user(self.sales_manager).action_draft()
        self.assertEqual((order.state, order.approval_state), ("draft", "approved"))
        self._rule(
            domain=f"[('partner_id', '=', {self.partner.id})]",
            name="Watched customer",
            tiers=[("Controller", self.controller_group)],
        )
        with self.assertRaisesRegex(UserError, "Watched customer"):
            order.with_user(self.salesman).write({"state": "sale"})
        self.assertEqual(order.state, "draft")
        # the ordinary button starts a round for the rule not covered
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.approval_state, "pending")
        self.assertIn(
            "Watched customer", order.approval_request_ids.rule_id.mapped("name")
        )


@tagged("post_install", "-at_install")
class TestInvoiceWithinOrder(DocumentCase):
    """Item 7: an invoice's lines stay within their order: customer,
    currency, quantities, amounts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.invoice_requires_sale_order = True
        cls.other = cls.env["res.partner"].create({"name": "Other Customer"})
        cls.product.invoice_policy = "order"

    def _confirmed(self, partner, qty=10):
        order = self._order(10.0, qty=qty)
        order.partner_id = partner
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        return order

    def _invoice(self, partner, sale_line, qty, price):
        return (
            self.env["account.move"]
            .with_user(self.billing)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "quantity": qty,
                                "price_unit": price,
                                "tax_ids": [Command.clear()],
                                "sale_line_ids": [Command.set(sale_line.ids)],
                            }
                        )
                    ],
                }
            )
        )

    def test_foreign_order_refused(self):
        order = self._confirmed(self.other)
        invoice = self._invoice(self.partner, order.order_line, 1, 100000.0)
        with self.assertRaisesRegex(UserError, "same customer"):
            invoice.with_user(self.billing).action_post()
        self.assertEqual(invoice.state, "draft")

    def test_amount_beyond_the_order_refused(self):
        order = self._confirmed(self.partner)
        invoice = self._invoice(self.partner, order.order_line, 10, 10000.0)
        with self.assertRaisesRegex(UserError, "100,000.00"):
            invoice.with_user(self.billing).action_post()
        self.assertEqual(invoice.state, "draft")

    def test_quantity_beyond_the_order_refused(self):
        order = self._confirmed(self.partner)
        invoice = self._invoice(self.partner, order.order_line, 11, 9.0)
        with self.assertRaisesRegex(UserError, "11.0"):
            invoice.with_user(self.billing).action_post()
        # the invoice of the order itself posts, then nothing more is covered
        good = self._invoice(self.partner, order.order_line, 10, 10.0)
        good.with_user(self.billing).action_post()
        self.assertEqual(good.state, "posted")
        extra = self._invoice(self.partner, order.order_line, 1, 10.0)
        with self.assertRaises(UserError):
            extra.with_user(self.billing).action_post()

    def test_plain_state_write_is_checked(self):
        invoice = self._move("out_invoice", self.partner, 100.0)
        with self.assertRaisesRegex(UserError, "confirmed, approved sale order"):
            invoice.with_user(self.billing).write({"state": "posted"})
        self.assertEqual(invoice.state, "draft")


@tagged("post_install", "-at_install")
class TestUsersWithoutEmail(DocumentCase):
    """Item 14: every note, message and activity of the controls works for
    users without an e-mail address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._rule(
            amount_min=1000,
            tiers=[("Manager", cls.manager_group), ("Manager 2", cls.manager_group)],
        )
        cls.mute_salesman = new_test_user(
            cls.env,
            login="ic_mute_salesman",
            email=False,
            groups="sales_team.group_sale_salesman",
        )
        cls.mute_manager = new_test_user(
            cls.env,
            login="ic_mute_manager",
            email=False,
            groups="sales_team.group_sale_manager,"
            "sales_internal_control.group_control_user",
        )
        cls.mute_emergency = new_test_user(
            cls.env,
            login="ic_mute_emergency",
            email=False,
            groups="sales_team.group_sale_salesman,"
            "sales_internal_control.group_emergency_approver",
        )
        for user in cls.mute_salesman | cls.mute_manager | cls.mute_emergency:
            user.partner_id.email = False

    def test_request_approve_reject_emergency(self):
        self.assertFalse(self.mute_salesman.email)
        orders = [self._order(1500.0, user=self.mute_salesman) for _i in range(3)]
        for order in orders:
            order.with_user(self.mute_salesman).action_confirm()
            self.assertEqual(order.approval_state, "pending")
        first, second, third = (
            order.approval_request_ids.sorted("sequence") for order in orders
        )
        first[0].with_user(self.mute_manager).action_approve("ok")
        self.assertEqual(first[0].state, "approved")
        second[0].with_user(self.mute_manager).action_reject("no")
        self.assertEqual(orders[1].approval_state, "rejected")
        third[0].with_user(self.mute_emergency).action_emergency_approve("urgent")
        self.assertEqual(orders[2].state, "sale")
        notes = orders[2].message_ids.filtered(lambda m: "urgent" in (m.body or ""))
        self.assertTrue(notes)
        self.assertEqual(notes[:1].author_id, self.mute_emergency.partner_id)

    def test_void_by_a_user_without_email(self):
        order = self._order(1500.0, user=self.mute_salesman)
        order.with_user(self.mute_salesman).action_confirm()
        order.order_line.with_user(self.mute_salesman).price_unit = 1800.0
        self.assertEqual(order.approval_state, "none")
