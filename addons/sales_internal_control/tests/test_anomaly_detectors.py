"""Anomaly detectors split_order, unusual_amount, vendor_employee,
duplicate_partner and benford (issue 11): what each catches, the near miss,
the scan, and a number of queries that does not grow with history."""

from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from ..models import control_anomaly_detectors as detectors
from .test_anomaly import AnomalyCase


class DetectorCase(AnomalyCase):
    @classmethod
    def _bills(cls, partner, amounts, dates, post=True):
        """Vendor bills of ``partner`` (one per amount and date), in one
        create."""
        bills = cls.env["account.move"].create(
            [
                {
                    "move_type": "in_invoice",
                    "partner_id": partner.id,
                    "invoice_date": date,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Service",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for amount, date in zip(amounts, dates, strict=True)
            ]
        )
        if post:
            bills.action_post()
        return bills

    def _sale(self, price, date=None, user=None, partner=None):
        """A quotation of ``price`` dated ``date`` (a datetime string, or a
        number of days before now)."""
        order = self._order(price, user=user)
        if date is None or isinstance(date, int):
            date = fields.Datetime.now() - timedelta(days=date or 0)
        order.write({"date_order": date, "partner_id": (partner or self.partner).id})
        return order

    def _purchase_on(self, price, date):
        order = self._purchase(price)
        order.date_order = date
        return order

    def _one_query(self, rule, model_name, **kwargs):
        """Run the detector once to warm the caches, then assert it costs one
        query; return its hits."""
        self.env.flush_all()
        rule._detect(model_name, **kwargs)
        with self.assertQueryCount(1):
            return rule._detect(model_name, **kwargs)

    def _scan(self, rule, date_from, date_to):
        return rule.with_user(self.controller).action_scan(date_from, date_to)


@tagged("post_install", "-at_install")
class TestSplitOrder(DetectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sale_rule = cls._rule("sale.order", amount_min=1000.0)
        cls.purchase_rule = cls._rule("purchase.order", amount_min=1000.0)

    def test_split_sale_orders_are_flagged_at_confirmation(self):
        rule = self._anomaly_rule("split_order", window_days=10)
        first = self._sale(400.0)
        first.with_user(self.salesman).action_confirm()
        self.assertFalse(self._findings(first, rule))
        second = self._sale(300.0, 3)
        # the date of a quotation becomes the confirmation's
        third = self._sale(350.0, "2026-01-01 10:00:00")
        third.with_user(self.salesman).action_confirm()
        self.assertEqual(third.state, "sale")
        finding = self._findings(third, rule)
        self.assertEqual(len(finding), 1)
        self.assertEqual(
            {related[1] for related in finding.related_documents},
            {first.id, second.id},
        )
        for name in (first.name, second.name, self.sale_rule.name):
            self.assertIn(name, finding.message)
        self.assertIn(self.salesman.name, finding.message)
        self.assertEqual(finding.user_id, self.salesman)
        self.assertEqual(finding.partner_id, self.partner)

    def test_split_purchase_orders(self):
        rule = self._anomaly_rule("split_order", window_days=10)
        first = self._purchase_on(600.0, "2030-03-02 10:00:00")
        first.button_confirm()
        second = self._purchase_on(500.0, "2030-03-03 10:00:00")
        second.button_confirm()
        self.assertIn(second.state, ("purchase", "done"))
        finding = self._findings(second, rule)
        self.assertEqual(finding.related_documents[0][1], first.id)
        self.assertIn(first.name, finding.message)
        self.assertEqual(finding.user_id, self.buyer)

    def test_near_misses(self):
        rule = self._anomaly_rule("split_order", window_days=10)
        customers = self.env["res.partner"].create(
            [{"name": f"Split Customer {index}"} for index in range(4)]
        )
        # outside the window
        self._sale(600.0, 20, partner=customers[0])
        late = self._sale(500.0, partner=customers[0])
        # another requester
        self._sale(600.0, 1, user=self.sales_manager, partner=customers[1])
        other_user = self._sale(500.0, partner=customers[1])
        # an order at the threshold is approved on its own, not split
        self._sale(1200.0, 1, partner=customers[2])
        with_big = self._sale(300.0, partner=customers[2])
        # below the threshold together; a cancelled one does not count
        self._sale(300.0, 1, partner=customers[3])
        self._sale(900.0, 1, partner=customers[3]).action_cancel()
        small = self._sale(400.0, partner=customers[3])
        orders = late | other_user | with_big | small
        orders.with_user(self.salesman).action_confirm()
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        for order in orders:
            self.assertFalse(self._findings(order, rule), order.partner_id.name)

    def test_scan(self):
        first = self._sale(600.0, "2030-04-02 10:00:00")
        second = self._sale(500.0, "2030-04-03 10:00:00")
        purchase = self._purchase_on(600.0, "2030-04-02 10:00:00")
        purchase.button_confirm()
        self._purchase_on(500.0, "2030-04-12 10:00:00")
        rule = self._anomaly_rule("split_order", window_days=10)
        # both quotations, both purchase orders
        self.assertEqual(self._scan(rule, "2030-04-01", "2030-04-30"), 4)
        self.assertIn(second.name, self._findings(first, rule).message)
        self.assertTrue(self._findings(purchase, rule))
        self.assertEqual(self._scan(rule, "2030-04-01", "2030-04-30"), 0)

    def test_rule_of_another_company(self):
        other_company = self.env["res.company"].create({"name": "Split Co B"})
        self._anomaly_rule("split_order", window_days=10, company_id=other_company.id)
        self._sale(600.0, 1)
        order = self._sale(500.0)
        order.with_user(self.salesman).action_confirm()
        self.assertFalse(self._findings(order))

    def test_constant_queries(self):
        rule = self._anomaly_rule("split_order", window_days=10)
        self._sale(600.0, 2)
        order = self._sale(500.0)
        self.assertTrue(self._one_query(rule, "sale.order", ids=order.ids))
        self.env["sale.order"].with_user(self.salesman).create(
            [
                {
                    "partner_id": self.partner.id,
                    "date_order": fields.Datetime.now() - timedelta(days=1),
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "price_unit": 10.0,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
                for _i in range(30)
            ]
        )
        hits = self._one_query(rule, "sale.order", ids=order.ids)
        self.assertEqual(len(hits[order.id]["related"]), 31)


@tagged("post_install", "-at_install")
class TestUnusualAmount(DetectorCase):
    HISTORY = (100.0, 110.0, 90.0, 105.0, 95.0, 100.0)
    DATES = (
        "2026-05-10",
        "2026-06-10",
        "2026-07-10",
        "2026-08-10",
        "2026-09-10",
        "2026-10-10",
    )

    def test_unusual_bill_is_flagged_at_posting(self):
        rule = self._anomaly_rule("unusual_amount")
        self._bills(self.vendor, self.HISTORY, self.DATES)
        usual = self._bill(104.0)
        usual.with_user(self.billing).action_post()
        self.assertFalse(self._findings(usual, rule))
        bill = self._bill(1000.0)
        bill.with_user(self.billing).action_post()
        finding = self._findings(bill, rule)
        self.assertEqual(len(finding), 1)
        self.assertEqual(finding.score, 100)
        self.assertEqual(finding.user_id, self.billing)
        self.assertIn("this bill", finding.message)
        self.assertIn(rule._fmt(100.0), finding.message)  # median
        self.assertIn(self.vendor.name, finding.message)

    def test_near_misses(self):
        rule = self._anomaly_rule("unusual_amount", threshold=3.5)
        # four earlier bills only
        self._bills(self.other_vendor, self.HISTORY[:4], self.DATES[:4])
        few = self._bill(5000.0, partner=self.other_vendor)
        # history older than 12 months
        old_vendor = self.env["res.partner"].create({"name": "Old Vendor"})
        self._bills(old_vendor, self.HISTORY, [f"2025-0{m}-01" for m in range(1, 7)])
        old = self._bill(5000.0, partner=old_vendor)
        # a z-score below the threshold: 0.6745 * 10 / 5 = 1.35
        self._bills(self.vendor, self.HISTORY, self.DATES)
        near = self._bill(110.0)
        bills = few | old | near
        bills.with_user(self.billing).action_post()
        for bill in bills:
            self.assertFalse(self._findings(bill, rule), bill.name)

    def test_equal_history(self):
        rule = self._anomaly_rule("unusual_amount")
        self._bills(self.vendor, [100.0] * 5, self.DATES[:5])
        same = self._bill(100.0)
        same.with_user(self.billing).action_post()
        self.assertFalse(self._findings(same, rule))
        other = self._bill(101.0)
        other.with_user(self.billing).action_post()
        self.assertIn("unbounded", self._findings(other, rule).message)

    def test_payment_and_order(self):
        rule = self._anomaly_rule("unusual_amount")
        for amount, day in zip(self.HISTORY, self.DATES, strict=True):
            payment = self._payment(amount)
            payment.date = day
        payment = self._payment(2000.0)
        payment.with_user(self.billing).action_post()
        self.assertIn("this payment", self._findings(payment, rule).message)
        for amount, day in zip(self.HISTORY, self.DATES, strict=True):
            self._sale(amount, f"{day} 10:00:00")
        order = self._sale(50.0, "2026-11-01 10:00:00")
        order.with_user(self.salesman).action_confirm()
        finding = self._findings(order, rule)
        self.assertIn("this order", finding.message)
        self.assertIn("below", finding.message)

    def test_history_is_the_latest_documents(self):
        """At posting the history is the partner's latest documents (at most
        UNUSUAL_AMOUNT_HISTORY): six bills of 100, then five of 10,000; a new
        bill of 10,000 is far from the eleven (median 100), usual among the
        latest five."""
        rule = self._anomaly_rule("unusual_amount")
        self._bills(self.vendor, self.HISTORY, self.DATES)
        recent = [f"2026-10-{day}" for day in range(20, 25)]
        self._bills(self.vendor, [10000.0] * 5, recent)
        bill = self._bill(10000.0)
        self.env.flush_all()
        hits = rule._detect("account.move", ids=bill.ids)
        self.assertIn("the 11 earlier ones", hits[bill.id]["message"])
        with patch.object(detectors, "UNUSUAL_AMOUNT_HISTORY", 5):
            self.assertEqual(rule._detect("account.move", ids=bill.ids), {})
        # the same through a payment and an order: the latest are found
        # among the contacts of the commercial partner
        contact = self.env["res.partner"].create(
            {"name": "Vendor Accounting", "parent_id": self.vendor.id}
        )
        payments = self.env["account.payment"]
        for amount, day in zip(
            self.HISTORY + (10000.0,) * 5, self.DATES + tuple(recent), strict=True
        ):
            payment = self._payment(amount)
            payment.write({"date": day, "partner_id": contact.id})
            payments |= payment
        payments.action_post()
        payment = self._payment(10000.0)
        self.env.flush_all()
        hits = rule._detect("account.payment", ids=payment.ids)
        self.assertIn("the 11 earlier ones", hits[payment.id]["message"])
        with patch.object(detectors, "UNUSUAL_AMOUNT_HISTORY", 5):
            self.assertEqual(rule._detect("account.payment", ids=payment.ids), {})

    def test_lookup_indexes(self):
        """The partner's latest documents are read through an index on the
        partner and the date, on every document the detector looks at (the
        sale order's own init does not reach the mixin's); the duplicate
        partner detector looks the normalised tax ID and name up through
        indexes on its own expressions."""
        self.env.cr.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
            [
                [
                    "account_move_ic_vendor_bill_partner_index",
                    "account_payment_ic_partner_date_index",
                    "purchase_order_ic_partner_date_index",
                    "sale_order_ic_partner_date_index",
                ]
            ],
        )
        indexes = dict(self.env.cr.fetchall())
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'res_partner'"
            " AND indexname LIKE 'res_partner_ic_normalised_%%_index'"
        )
        partner_indexes = " ".join(row[0] for row in self.env.cr.fetchall())
        for column in ("vat", "name"):
            self.assertIn("COALESCE(%s, ''" % column, partner_indexes)
        self.assertIn("(commercial_partner_id, invoice_date)", indexes["account_move"])
        self.assertIn("(partner_id, date)", indexes["account_payment"])
        self.assertIn("(partner_id, date_order)", indexes["purchase_order"])
        self.assertIn("(partner_id, date_order)", indexes["sale_order"])

    def test_scan(self):
        self._bills(self.vendor, self.HISTORY, self.DATES)
        bill = self._bill(900.0)
        bill.with_user(self.billing).action_post()
        rule = self._anomaly_rule("unusual_amount")
        self.assertEqual(self._scan(rule, "2026-11-01", "2026-11-01"), 1)
        self.assertTrue(self._findings(bill, rule))
        self.assertEqual(self._scan(rule, "2026-11-01", "2026-11-01"), 0)

    def test_constant_queries(self):
        rule = self._anomaly_rule("unusual_amount")
        self._bills(self.vendor, self.HISTORY, self.DATES, post=False)
        bill = self._bill(900.0)
        self.assertTrue(self._one_query(rule, "account.move", ids=bill.ids))
        self._bills(self.vendor, [100.0] * 30, ["2026-09-01"] * 30, post=False)
        self.assertTrue(self._one_query(rule, "account.move", ids=bill.ids))


@tagged("post_install", "-at_install")
class TestVendorEmployee(DetectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = new_test_user(
            cls.env, login="ic_anom_employee", email="Jo.Insider@Example.com"
        )
        cls.employee.partner_id.phone = "+49 (170) 555-1234"
        cls.env["res.partner.bank"].create(
            {
                "partner_id": cls.employee.partner_id.id,
                "acc_number": "DE44 5001 0517 5407 3249 31",
            }
        )
        cls.portal = new_test_user(
            cls.env,
            login="ic_anom_portal",
            email="portal.person@example.com",
            groups="base.group_portal",
        )
        cls.company_b = cls.env["res.company"].create({"name": "Employee Co B"})
        cls.employee_b = new_test_user(
            cls.env,
            login="ic_anom_employee_b",
            email="b.insider@example.com",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )

    def test_bill_of_a_vendor_with_an_employee_phone(self):
        rule = self._anomaly_rule("vendor_employee")
        self.vendor.phone = "49 170 5551234"
        self.assertIn(self.employee.name, self._findings(self.vendor, rule).message)
        bill = self._bill(300.0)
        bill.with_user(self.billing).action_post()
        finding = self._findings(bill, rule)
        self.assertEqual(len(finding), 1)
        self.assertIn(self.employee.name, finding.message)
        self.assertIn("phone", finding.message)
        self.assertEqual(
            finding.related_documents,
            [["res.partner", self.employee.partner_id.id, self.employee.name]],
        )

    def test_payment_to_an_employee_bank_account(self):
        rule = self._anomaly_rule("vendor_employee")
        self.env["res.partner.bank"].create(
            {"partner_id": self.vendor.id, "acc_number": "DE44500105175407324931"}
        )
        payment = self._payment(300.0)
        payment.with_user(self.billing).action_post()
        finding = self._findings(payment, rule)
        self.assertIn("bank account number", finding.message)
        self.assertEqual(finding.score, 90)

    def test_new_partner_with_an_employee_email(self):
        rule = self._anomaly_rule("vendor_employee")
        partner = self.env["res.partner"].create(
            {"name": "Insider Supplies", "email": " jo.insider@example.COM "}
        )
        finding = self._findings(partner, rule)
        self.assertIn("e-mail", finding.message)
        self.assertIn("This partner", finding.message)

    def test_near_misses(self):
        rule = self._anomaly_rule("vendor_employee")
        self.employee.partner_id.mobile = "12345"
        partners = self.env["res.partner"].create(
            [
                # too short a number to compare
                {"name": "Short Phone", "mobile": "1-2345"},
                # a portal user is no employee
                {"name": "Portal Twin", "email": "portal.person@example.com"},
                # a user of another company is no employee of this one
                {"name": "Other Co Twin", "email": "b.insider@example.com"},
            ]
        )
        for partner in partners:
            self.assertFalse(self._findings(partner, rule), partner.name)
        # the employee's own contact is not flagged
        self.employee.partner_id.email = "jo.insider2@example.com"
        self.assertFalse(self._findings(self.employee.partner_id, rule))

    def test_user_of_another_company(self):
        rule = self._anomaly_rule("vendor_employee")
        self.vendor.email = "b.insider@example.com"
        bill = self._bill(300.0)
        bill.with_user(self.billing).action_post()
        self.assertFalse(self._findings(bill, rule))
        self.employee_b.company_ids = [Command.link(self.company.id)]
        self.assertEqual(self._scan(rule, "2026-11-01", "2026-11-01"), 1)
        self.assertIn(self.employee_b.name, self._findings(bill, rule).message)

    def test_scan(self):
        self.vendor.email = "jo.insider@example.com"
        bill = self._bill(300.0, date="2026-11-03")
        bill.with_user(self.billing).action_post()
        rule = self._anomaly_rule("vendor_employee")
        self.assertEqual(self._scan(rule, "2026-11-03", "2026-11-03"), 1)
        self.assertTrue(self._findings(bill, rule))
        self.assertEqual(self._scan(rule, "2026-11-03", "2026-11-03"), 0)

    def test_constant_queries(self):
        rule = self._anomaly_rule("vendor_employee")
        self.vendor.email = "jo.insider@example.com"
        bill = self._bill(300.0)
        self.assertTrue(self._one_query(rule, "account.move", ids=bill.ids))
        self._bills(self.vendor, [100.0] * 30, ["2026-09-01"] * 30, post=False)
        for index in range(5):
            new_test_user(
                self.env,
                login=f"ic_anom_staff{index}",
                email=f"jo.insider+{index}@example.com",
            )
        self.assertTrue(self._one_query(rule, "account.move", ids=bill.ids))


@tagged("post_install", "-at_install")
class TestDuplicatePartner(DetectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acme = cls.env["res.partner"].create(
            {
                "name": "Acme Trading GmbH",
                "is_company": True,
                "vat": "DE123456788",
                "phone": "+1 555 123 4567",
            }
        )

    def test_same_vat(self):
        rule = self._anomaly_rule("duplicate_partner")
        partner = self.env["res.partner"].create(
            {"name": "Acme New", "is_company": True, "vat": "de 123-456-788"}
        )
        finding = self._findings(partner, rule)
        self.assertEqual(len(finding), 1)
        self.assertIn(self.acme.name, finding.message)
        self.assertIn("tax ID", finding.message)
        self.assertEqual(finding.related_documents[0][1], self.acme.id)
        self.assertEqual(finding.score, 90)

    def test_same_name_and_phone_on_change(self):
        rule = self._anomaly_rule("duplicate_partner")
        partner = self.env["res.partner"].create({"name": "ACME trading gmbh."})
        self.assertFalse(self._findings(partner, rule))
        partner.phone = "15551234567"
        finding = self._findings(partner, rule)
        self.assertIn("the same name and phone", finding.message)

    def test_near_misses(self):
        rule = self._anomaly_rule("duplicate_partner")
        archived = self.env["res.partner"].create(
            {"name": "Old Co", "vat": "FR99999999999", "active": False}
        )
        partners = self.env["res.partner"].create(
            [
                {"name": "Acme Trading GmbH", "phone": "+1 555 000 0000"},
                {"name": "Acme Trading AG", "phone": "+1 555 123 4567"},
                {"name": "Old Co Reborn", "vat": archived.vat},
                # a contact of Acme: the same company, not a duplicate
                {"name": "Jo", "parent_id": self.acme.id},
            ]
        )
        for partner in partners:
            self.assertFalse(self._findings(partner, rule), partner.name)

    def test_scan(self):
        twin = self.env["res.partner"].create(
            {"name": "Acme Twin", "vat": "DE 123456788"}
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET write_date = '2030-06-01 12:00' WHERE id IN %s",
            [(twin.id, self.acme.id)],
        )
        rule = self._anomaly_rule("duplicate_partner")
        self.assertEqual(self._scan(rule, "2030-06-01", "2030-06-01"), 2)
        self.assertIn(self.acme.name, self._findings(twin, rule).message)
        self.assertEqual(self._scan(rule, "2030-06-01", "2030-06-01"), 0)

    def test_constant_queries(self):
        rule = self._anomaly_rule("duplicate_partner")
        twin = self.env["res.partner"].create({"name": "Twin", "vat": "DE123456788"})
        self.assertTrue(self._one_query(rule, "res.partner", ids=twin.ids))
        self.env["res.partner"].create(
            [{"name": f"Twin {index}", "vat": "DE123456788"} for index in range(30)]
        )
        hits = self._one_query(rule, "res.partner", ids=twin.ids)
        self.assertEqual(len(hits[twin.id]["related"]), 31)


@tagged("post_install", "-at_install")
class TestBenford(DetectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.natural = cls.env["res.partner"].create({"name": "Natural Vendor"})
        cls.made_up = cls.env["res.partner"].create({"name": "Made-up Vendor"})
        # 100 * 10 ** (k / 60) for k < 60: spread evenly over a decade on a
        # log scale, first digits as Benford's law expects
        cls.natural_bills = cls._bills(
            cls.natural,
            [round(100 * 10 ** (k / 60), 2) for k in range(60)],
            [f"2030-01-{1 + k % 28:02d}" for k in range(60)],
        )
        # all starting with 7 or 8: 40 in January, 20 in February
        cls.made_up_bills = cls._bills(
            cls.made_up,
            [700.0 + k if k % 2 else 800.0 + k for k in range(60)],
            [f"2030-01-{1 + k % 28:02d}" for k in range(40)]
            + [f"2030-02-{1 + k % 20:02d}" for k in range(20)],
        )

    def test_scan(self):
        rule = self._anomaly_rule("benford")
        self.assertEqual(rule.threshold, 0.015)
        self.assertEqual(self._scan(rule, "2030-01-01", "2030-02-28"), 1)
        last = self.made_up_bills.sorted(lambda b: (b.invoice_date, b.id))[-1]
        finding = self._findings(last, rule)
        self.assertEqual(finding.partner_id, self.made_up)
        self.assertIn("60", finding.message)
        self.assertIn("7: 50.0 %", finding.message)
        self.assertEqual(finding.score, 100)
        self.assertFalse(
            self.env["control.anomaly"].search(
                [("rule_id", "=", rule.id), ("partner_id", "=", self.natural.id)]
            )
        )
        self.assertEqual(self._scan(rule, "2030-01-01", "2030-02-28"), 0)

    def test_fewer_than_50_bills(self):
        rule = self._anomaly_rule("benford")
        # January holds only 40 bills of the made-up vendor
        self.assertEqual(self._scan(rule, "2030-01-01", "2030-01-31"), 0)

    def test_event_and_queries(self):
        rule = self._anomaly_rule("benford")
        with self.assertQueryCount(0):
            self.assertEqual(
                rule._detect("account.move", ids=self.made_up_bills.ids), {}
            )
        period = (date(2030, 1, 1), date(2030, 2, 28))
        self.assertEqual(len(self._one_query(rule, "account.move", period=period)), 1)
        self._bills(
            self.made_up,
            [750.0 + k for k in range(30)],
            ["2030-02-25"] * 30,
        )
        hits = self._one_query(rule, "account.move", period=period)
        self.assertIn("90", next(iter(hits.values()))["message"])
