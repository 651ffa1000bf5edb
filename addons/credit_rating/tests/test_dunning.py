from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import freeze_time, new_test_user

from .common_dunning import DunningCommon


@tagged("post_install", "-at_install")
class TestDunning(DunningCommon):
    def test_first_level(self):
        invoice = self._overdue(5, 250.0)
        not_due = self._invoice(
            self.customer, 80.0, self.today, due_date=self.today + timedelta(days=10)
        )
        summary = self._run()
        self.assertEqual(
            summary,
            {
                "customers": 1,
                "sent": 1,
                "skipped": 0,
                "invoices": 1,
                "holds": 0,
                "lifted": 0,
            },
        )
        self.assertEqual(invoice.dunning_level_id, self.level_1)
        self.assertEqual(invoice.dunning_date, self.today)
        self.assertFalse(not_due.dunning_level_id)
        self.assertEqual(self.customer.dunning_level_id, self.level_1)
        dunning = self._dunnings()
        self.assertEqual(len(dunning), 1)
        self.assertEqual(dunning.level_id, self.level_1)
        self.assertEqual(dunning.invoice_ids, invoice)
        self.assertAlmostEqual(dunning.amount_overdue, 250.0)
        self.assertEqual(dunning.state, "sent")
        mail = self._mails(dunning)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertEqual(dunning.message_id, mail.mail_message_id)
        self.assertIn("Payment reminder", mail.subject)
        for text in (invoice.name, "250.00", "Days Late", "friendly reminder"):
            self.assertIn(text, str(mail.body_html))
        self.assertNotIn(not_due.name, str(mail.body_html))
        log = self._logs(self.customer, "dunning")
        self.assertEqual(len(log), 1)
        self.assertIn("Reminder", log.message)
        # No activity at the first level.
        self.assertFalse(self.customer.activity_ids)

    def test_one_communication_lists_all(self):
        old = self._overdue(20, 100.0)
        recent = self._overdue(3, 50.0)
        summary = self._run()
        self.assertEqual(summary["sent"], 1)
        self.assertEqual(summary["invoices"], 2)
        dunning = self._dunnings()
        self.assertEqual(len(dunning), 1)
        self.assertEqual(dunning.invoice_ids, old | recent)
        self.assertEqual(dunning.level_id, self.level_2)
        self.assertEqual(
            (old.dunning_level_id, recent.dunning_level_id),
            (self.level_2, self.level_1),
        )
        self.assertAlmostEqual(dunning.amount_overdue, 150.0)
        body = str(self._mails(dunning).body_html)
        self.assertIn(old.name, body)
        self.assertIn(recent.name, body)
        self.assertIn(">20<", body.replace(" ", ""))
        # The second level's activity, for the salesperson.
        activity = self.customer.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertIn("Second", activity.summary)

    def test_idempotent_within_a_day(self):
        self._overdue(5)
        self.assertEqual(self._run()["sent"], 1)
        # A new invoice becomes overdue the same day: nothing new today.
        self._overdue(2)
        summary = self._run()
        self.assertEqual((summary["sent"], summary["invoices"]), (0, 0))
        self.assertEqual(len(self._dunnings()), 1)
        self.assertEqual(
            self.customer.with_user(self.controller).action_dunning_run()["sent"], 0
        )

    def test_escalation_and_levels_only_go_up(self):
        invoice = self._overdue(5)
        self._run()
        self.assertEqual(invoice.dunning_level_id, self.level_1)
        with freeze_time(self.today + timedelta(days=30)):
            summary = self._run()
            self.assertEqual(summary["sent"], 1)
            self.assertEqual(invoice.dunning_level_id, self.level_3)
            self.assertEqual(self.customer.dunning_level_id, self.level_3)
            dunnings = self._dunnings()
            self.assertEqual(dunnings.mapped("level_id"), self.level_3 | self.level_1)
            self.assertIn("Final notice", self._mails(dunnings[0]).subject)
            # The final notice's activity goes to a credit controller.
            activity = self.customer.activity_ids
            self.assertEqual(len(activity), 1)
            self.assertIn(
                self.env.ref("credit_rating.group_credit_controller"),
                activity.user_id.groups_id,
            )
        # The final notice now needs 50 days: the invoice (40 days late)
        # stays at it, nothing is sent.
        self.level_4.days_overdue = 70
        self.level_3.days_overdue = 50
        with freeze_time(self.today + timedelta(days=35)):
            summary = self._run()
            self.assertEqual((summary["sent"], summary["invoices"]), (0, 0))
            self.assertEqual(invoice.dunning_level_id, self.level_3)

    def test_hold_and_lift(self):
        invoice = self._overdue(65, 300.0)
        summary = self._run()
        self.assertEqual(summary["holds"], 1)
        self.assertEqual(invoice.dunning_level_id, self.level_4)
        self.assertTrue(self.customer.credit_hold)
        self.assertTrue(self.customer.credit_hold_dunning)
        logs = self._logs(self.customer, "dunning")
        self.assertTrue(
            any(
                "put on credit hold" in m and "Hold" in m
                for m in logs.mapped("message")
            )
        )
        # The block at confirmation names the dunning level.
        order = self._order(amount=10.0)
        with self.assertRaises(UserError) as cm:
            order.action_confirm()
        self.assertIn("credit hold set by dunning level Hold", str(cm.exception))
        self.assertEqual(order.state, "draft")
        # Running again keeps the hold, sends nothing.
        self.assertEqual(self._run()["sent"], 0)
        self.assertTrue(self.customer.credit_hold)
        # Paid: the dunning lifts its own hold, and logs it.
        self._pay(invoice)
        with freeze_time(self.today + timedelta(days=1)):
            summary = self._run()
        self.assertEqual(summary["lifted"], 1)
        self.assertFalse(self.customer.credit_hold)
        self.assertFalse(self.customer.credit_hold_dunning)
        self.assertFalse(self.customer.dunning_level_id)
        self.assertTrue(
            any(
                "lifted" in m
                for m in self._logs(self.customer, "dunning").mapped("message")
            )
        )
        self._order(amount=10.0).action_confirm()

    def test_controller_hold_kept(self):
        self.customer.with_user(self.controller).credit_hold = True
        invoice = self._overdue(65)
        summary = self._run()
        self.assertEqual(summary["holds"], 0)
        self.assertTrue(self.customer.credit_hold)
        self.assertFalse(self.customer.credit_hold_dunning)
        self._pay(invoice)
        with freeze_time(self.today + timedelta(days=1)):
            self.assertEqual(self._run()["lifted"], 0)
        self.assertTrue(self.customer.credit_hold)

    def test_controller_takes_over_dunning_hold(self):
        invoice = self._overdue(65)
        self._run()
        self.assertTrue(self.customer.credit_hold_dunning)
        # A controller confirms the hold: it is theirs, dunning never lifts it.
        self.customer.with_user(self.controller).write({"credit_hold": True})
        self.assertFalse(self.customer.credit_hold_dunning)
        self._pay(invoice)
        with freeze_time(self.today + timedelta(days=1)):
            self._run()
        self.assertTrue(self.customer.credit_hold)
        # Nobody but the engine sets the dunning's own fields.
        with self.assertRaises(AccessError):
            self.customer.with_user(self.controller).credit_hold_dunning = True
        with self.assertRaises(AccessError):
            self.customer.with_user(self.controller).dunning_level_id = self.level_1
        with self.assertRaises(AccessError):
            invoice.with_user(self.controller).dunning_level_id = self.level_4

    def test_promise(self):
        invoice = self._overdue(20)
        salesman = invoice.with_user(self.salesman)
        with self.assertRaises(ValidationError):
            salesman.action_dunning_promise(self.today - timedelta(days=1), "Will pay")
        with self.assertRaises(ValidationError):
            salesman.action_dunning_promise(self.today + timedelta(days=7), " ")
        with self.assertRaises(UserError):
            salesman.action_dunning_promise("next week", "Will pay")
        self.assertFalse(invoice.dunning_promise_date)
        self.assertTrue(
            salesman.action_dunning_promise(
                fields.Date.to_string(self.today + timedelta(days=7)),
                "Mr Li promised by phone",
            )
        )
        self.assertEqual(invoice.dunning_promise_date, self.today + timedelta(days=7))
        self.assertTrue(
            any("Mr Li" in m for m in self._logs(invoice, "dunning").mapped("message"))
        )
        self.assertEqual(self._run()["sent"], 0)
        self.assertFalse(invoice.dunning_level_id)
        # After the promised date, the dunning resumes.
        with freeze_time(self.today + timedelta(days=8)):
            self.assertEqual(self._run()["sent"], 1)
            self.assertEqual(invoice.dunning_level_id, self.level_2)
        # Only salespeople, accountants and credit controllers promise, through
        # the action (no direct write of the fields by a salesperson either).
        clerk = new_test_user(self.env, login="dunning_clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            invoice.with_user(clerk).action_dunning_promise(
                self.today + timedelta(days=9), "x"
            )
        with self.assertRaises(AccessError):
            salesman.write({"dunning_promise_date": self.today + timedelta(days=9)})

    def test_dispute(self):
        invoice = self._overdue(20)
        other = self._overdue(3)
        with self.assertRaises(AccessError):
            invoice.with_user(self.salesman).action_dunning_dispute("Wrong price")
        with self.assertRaises(ValidationError):
            invoice.with_user(self.controller).action_dunning_dispute("")
        self.assertFalse(invoice.dunning_dispute)
        invoice.with_user(self.controller).action_dunning_dispute("Wrong price")
        self.assertTrue(invoice.dunning_dispute)
        self.assertTrue(self._logs(invoice, "dunning"))
        self._run()
        dunning = self._dunnings()
        self.assertEqual(dunning.invoice_ids, other)
        self.assertEqual(dunning.level_id, self.level_1)
        self.assertFalse(invoice.dunning_level_id)
        self.assertNotIn(invoice.name, str(self._mails(dunning).body_html))
        # Closed: the invoice is dunned again (the next day).
        invoice.with_user(self.controller).action_dunning_dispute_close()
        with freeze_time(self.today + timedelta(days=1)):
            self._run()
        self.assertEqual(invoice.dunning_level_id, self.level_2)
        # Not a customer invoice: no dispute, no promise.
        refund = self._refund(10.0)
        with self.assertRaises(ValidationError):
            refund.action_dunning_dispute("x")

    def test_partial_payment_and_minimum(self):
        invoice = self._overdue(5, 100.0)
        self._pay_amount(invoice, 60.0)
        almost = self._overdue(5, 100.0)
        self._pay_amount(almost, 99.5)
        self._run()
        dunning = self._dunnings()
        self.assertEqual(dunning.invoice_ids, invoice)
        self.assertAlmostEqual(dunning.amount_overdue, 40.0)
        self.assertIn("40.00", str(self._mails(dunning).body_html))
        self.assertFalse(almost.dunning_level_id)
        # Only residuals at or above the minimum are dunned.
        self.company.dunning_min_amount = 50.0
        with freeze_time(self.today + timedelta(days=30)):
            self.assertEqual(self._run()["sent"], 0)

    def test_min_amount_bad_input(self):
        for value in (-1.0, float("nan"), float("inf")):
            with self.assertRaises(ValidationError):
                self.company.dunning_min_amount = value
        self.assertEqual(self.company.dunning_min_amount, 1.0)

    def test_levels_bad_input(self):
        Level = self.env["credit.dunning.level"]
        with self.assertRaises(ValidationError):
            Level.create({"name": "Same days", "sequence": 5, "days_overdue": 60})
        with self.assertRaises(ValidationError):
            Level.create({"name": "Earlier", "sequence": 5, "days_overdue": 40})
        with self.assertRaises(ValidationError):
            self.level_2.days_overdue = 0
        with self.assertRaises(ValidationError):
            self.level_3.days_overdue = 15
        Level.create({"name": "Later", "sequence": 5, "days_overdue": 90})
        # Only credit controllers configure levels.
        with self.assertRaises(AccessError):
            self.level_1.with_user(self.salesman).days_overdue = 2

    def test_customer_without_email(self):
        self.customer.email = False
        invoice = self._overdue(20)
        summary = self._run()
        self.assertEqual((summary["sent"], summary["skipped"]), (0, 1))
        dunning = self._dunnings()
        self.assertEqual(dunning.state, "skipped")
        self.assertFalse(self._mails(dunning))
        self.assertEqual(invoice.dunning_level_id, self.level_2)
        # The salesperson is asked to follow up all the same.
        self.assertEqual(self.customer.activity_ids.user_id, self.salesman)

    def test_rights(self):
        self._overdue(5)
        with self.assertRaises(AccessError):
            self._run(user=self.salesman)
        self._run()
        dunning = self._dunnings()
        # The history is read-only, even for credit controllers.
        with self.assertRaises(AccessError):
            dunning.with_user(self.controller).write({"state": "skipped"})
        with self.assertRaises(AccessError):
            dunning.with_user(self.controller).unlink()
        with self.assertRaises(AccessError):
            self.env["credit.dunning"].with_user(self.controller).create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "level_id": self.level_1.id,
                    "date": self.today,
                    "state": "sent",
                }
            )
        # Salespeople read the history of their customers.
        self.assertEqual(
            self._dunnings().with_user(self.salesman).level_id, self.level_1
        )

    def test_run_all_and_query_count(self):
        # The run itself (the statement's rendering is one per mail).
        (self.level_1 | self.level_2 | self.level_3).attach_statement = False
        customers = self.env["res.partner"].create(
            [
                {
                    "name": f"Late {i}",
                    "email": f"late{i}@example.com",
                    "is_company": True,
                }
                for i in range(6)
            ]
        )
        for index, customer in enumerate(customers):
            self._overdue(5 + 10 * index, partner=customer)
            self._overdue(3, partner=customer)
        counts = []
        for batch in (customers[:2], customers[2:6]):
            self.env.invalidate_all()
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            summary = self._run(batch)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(summary["sent"], len(batch))
        # Queries do not grow with the customers of a batch (a little slack
        # for Odoo's own caches warming up).
        self.assertLessEqual(counts[1], counts[0] + 5, counts)
        # Called on no record: every customer of the company is looked at.
        self._overdue(4)
        summary = (
            self.env["res.partner"].with_user(self.controller).action_dunning_run()
        )
        self.assertGreaterEqual(summary["customers"], 7)
        self.assertEqual(len(self._dunnings()), 1)

    def test_multi_company(self):
        company_2 = self.env["res.company"].create({"name": "Dunning Second Co"})
        self.env.user.company_ids |= company_2
        self.controller.company_ids |= company_2
        level_2co = (
            self.env["credit.dunning.level"]
            .with_company(company_2)
            .create(
                {
                    "name": "Second Co reminder",
                    "days_overdue": 1,
                    "company_id": company_2.id,
                    "mail_template_id": self.env.ref(
                        "credit_rating.mail_template_dunning_friendly"
                    ).id,
                }
            )
        )
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=company_2, install_demo=False
        )
        env2 = self.env(
            context=dict(self.env.context, allowed_company_ids=[company_2.id])
        )
        due = self.today - timedelta(days=20)
        invoice_2 = env2["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": due,
                "invoice_date_due": due,
                "invoice_line_ids": [
                    (0, 0, {"name": "Service", "quantity": 1, "price_unit": 70.0})
                ],
            }
        )
        invoice_2.action_post()
        invoice_1 = self._overdue(20)
        # A run in the first company leaves the second company's invoice alone.
        self._run()
        self.assertEqual(invoice_1.dunning_level_id, self.level_2)
        self.assertFalse(invoice_2.dunning_level_id)
        # In the second company: its own levels.
        controller_2 = self.controller.with_context(allowed_company_ids=[company_2.id])
        summary = (
            self.customer.with_user(controller_2)
            .with_company(company_2)
            .action_dunning_run()
        )
        self.assertEqual(summary["sent"], 1)
        self.assertEqual(invoice_2.dunning_level_id, level_2co)
        self.assertEqual(
            self.customer.with_company(company_2).dunning_level_id, level_2co
        )
        self.assertEqual(self.customer.dunning_level_id, self.level_2)
        # A first-company user sees only the first company's history.
        self.assertEqual(
            self.env["credit.dunning"]
            .with_user(self.salesman)
            .search([("partner_id", "=", self.customer.id)])
            .company_id,
            self.company,
        )
        self.assertEqual(len(self._dunnings()), 2)
        # A level of the other company cannot sit among this company's.
        with self.assertRaises(ValidationError):
            level_2co.copy({"days_overdue": 1})

    def test_zh_cn_template(self):
        """The mail is rendered in the customer's language."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["credit_rating"], ["zh_CN"], overwrite=True
        )
        self.customer.lang = "zh_CN"
        english = self.env["res.partner"].create(
            {"name": "English Buyer", "email": "en@example.com", "lang": "en_US"}
        )
        invoice = self._overdue(20, 120.0)
        self._overdue(20, 80.0, partner=english)
        self._run(self.customer | english)
        mail = self._mails(self._dunnings())
        self.assertIn("第二次通知", mail.subject)
        body = str(mail.body_html)
        for text in ("尊敬的", "逾期天数", "应付金额", invoice.name, "120.00"):
            self.assertIn(text, body)
        mail_en = self._mails(self._dunnings(english))
        self.assertIn("Second notice", mail_en.subject)
        self.assertIn("Days Late", str(mail_en.body_html))
        self.assertNotIn("逾期", str(mail_en.body_html))

    def test_cron(self):
        invoice = self._overdue(16)
        self.assertTrue(self.env["res.partner"]._cron_dunning_run())
        self.assertEqual(invoice.dunning_level_id, self.level_2)
        self.assertEqual(len(self._dunnings()), 1)
        # The job is idempotent within a day too.
        self.env["res.partner"]._cron_dunning_run()
        self.assertEqual(len(self._dunnings()), 1)
