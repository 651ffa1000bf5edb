from datetime import date

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import freeze_time

from .common import ContractCase


@tagged("post_install", "-at_install")
class TestContractMilestones(ContractCase):
    """The payment plan: sums, invoices per milestone, states, risk, versions."""

    @classmethod
    def _planned_contract(cls, amounts=(400.0, 600.0), dues=None, **values):
        dues = dues or [date(2026, 4, 30), date(2026, 9, 30)]
        contract = cls._contract(
            amount_total=sum(amounts),
            milestone_ids=[
                Command.create({"name": f"M{i}", "date_due": due, "amount": amount})
                for i, (amount, due) in enumerate(zip(amounts, dues, strict=True), 1)
            ],
            **values,
        )
        return contract

    @classmethod
    def _sign(cls, contract):
        cls._attach(contract)
        contract.action_submit()
        contract.with_user(cls.manager).action_approve()
        cls._scan(contract)
        contract.with_user(cls.manager).action_sign()
        return contract

    def _milestone_invoice(self, contract, milestone, price, **vals):
        return self._invoice(
            contract, price, contract_milestone_id=milestone.id, **vals
        )

    def _pay(self, invoice, amount):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount})._create_payments()

    # ---------------------------------------------------------------- the plan
    def test_plan_must_sum_to_amount_at_submission(self):
        contract = self._planned_contract()
        self._attach(contract)
        contract.amount_total = 1200.0
        # No savepoint: the log line written before the refusal must stay.
        with self.assertRaisesRegex(UserError, r"add up to .*1,000.00.*1,200.00"):
            contract.action_submit()
        self.assertEqual(contract.state, "draft")
        self.assertTrue(self._blocked_logs(contract))
        contract.amount_total = 1000.0
        contract.action_submit()
        self.assertEqual(contract.state, "to_approve")

    def test_contract_without_plan_submits(self):
        contract = self._contract()
        self._attach(contract)
        self.assertTrue(contract.action_submit())
        self.assertEqual(contract.state, "to_approve")

    def test_bad_milestones_refused(self):
        contract = self._contract()
        Milestone = self.env["contract.milestone"].with_user(self.salesman)
        base = {"contract_id": contract.id, "name": "Bad", "date_due": date(2026, 5, 1)}
        for amount in (-10.0, 0.0, float("nan"), float("inf"), "abc"):
            with self.subTest(amount=amount), self.assertRaises(ValidationError):
                Milestone.create(dict(base, amount=amount))
        for due in (date(2025, 12, 31), date(2027, 1, 1)):
            with (
                self.subTest(due=due),
                self._refused(ValidationError, "outside the contract's period"),
            ):
                Milestone.create(dict(base, amount=10.0, date_due=due))
        with self._refused(UserError, "carried to a new version by Amend"):
            Milestone.create(dict(base, amount=10.0, previous_milestone_id=contract.id))
        self.env.invalidate_all()
        self.assertFalse(contract.milestone_ids)
        # Moving the contract's dates so that a milestone falls outside.
        Milestone.create(dict(base, amount=10.0))
        with self._refused(ValidationError, "outside the contract's period"):
            contract.with_user(self.salesman).date_end = date(2026, 4, 1)

    def test_plan_locked_once_submitted(self):
        contract = self._planned_contract()
        self._attach(contract)
        contract.action_submit()
        milestone = contract.milestone_ids[0].with_user(self.salesman)
        with self._refused(UserError, "payment plan cannot be changed"):
            milestone.amount = 300.0
        with self._refused(UserError, "payment plan cannot be changed"):
            self.env["contract.milestone"].with_user(self.salesman).create(
                {
                    "contract_id": contract.id,
                    "name": "Extra",
                    "date_due": date(2026, 5, 1),
                    "amount": 1.0,
                }
            )
        with self._refused(UserError, "payment plan cannot be changed"):
            milestone.unlink()
        with self._refused(UserError, "set by the contract's workflow"):
            milestone.overdue_activity_date = date(2026, 3, 1)
        self.assertEqual(milestone.amount, 400.0)

    # ---------------------------------------------------------------- invoices
    def test_invoice_within_milestone_passes_and_over_blocks(self):
        contract = self._sign(self._planned_contract())
        first, second = contract.milestone_ids
        self._milestone_invoice(contract, first, 300.0).action_post()
        self.assertEqual(first.amount_invoiced, 300.0)
        self.assertEqual(first.amount_remaining, 100.0)
        over = self._milestone_invoice(contract, first, 150.0)
        with self.assertRaisesRegex(
            UserError,
            r"exceed milestone M1 .*amount .*400.00.*invoiced .*300.00.*adds "
            r".*150.00.*remaining .*100.00",
        ):
            over.action_post()
        self.assertEqual(over.state, "draft")
        self.assertTrue(self._blocked_logs(over))
        # The rest of the milestone passes, the other milestone has its own room.
        self._milestone_invoice(contract, first, 100.0).action_post()
        self._milestone_invoice(contract, second, 600.0).action_post()
        self.assertEqual(first.state, "invoiced")
        self.assertEqual(contract.amount_invoiced, 1000.0)

    def test_tolerance_refund_and_wrong_contract(self):
        self.company.contract_invoice_tolerance_pct = 10.0
        contract = self._sign(self._planned_contract())
        first = contract.milestone_ids[0]
        self._milestone_invoice(contract, first, 440.0).action_post()
        with self._refused(UserError, "ceiling .*440.00"):
            self._milestone_invoice(contract, first, 1.0).action_post()
        refund = self._milestone_invoice(contract, first, 100.0, move_type="out_refund")
        refund.action_post()
        self.assertEqual(first.amount_invoiced, 340.0)
        other = self._sign(self._planned_contract())
        wrong = self._milestone_invoice(contract, other.milestone_ids[0], 10.0)
        with self._refused(UserError, "names milestone M1 of contract"):
            wrong.action_post()
        self.assertEqual(wrong.state, "draft")

    def test_two_invoices_of_one_batch_add_up(self):
        contract = self._sign(self._planned_contract())
        first = contract.milestone_ids[0]
        batch = self._milestone_invoice(contract, first, 250.0) | (
            self._milestone_invoice(contract, first, 250.0)
        )
        with self._refused(UserError, "exceed milestone M1"):
            batch.action_post()
        self.assertEqual(set(batch.mapped("state")), {"draft"})

    def test_posted_invoice_keeps_its_milestone(self):
        contract = self._sign(self._planned_contract())
        first, second = contract.milestone_ids
        invoice = self._milestone_invoice(contract, first, 100.0)
        invoice.action_post()
        with self._refused(UserError, "milestone .*can no longer be changed"):
            invoice.with_user(self.salesman).contract_milestone_id = second
        self.assertEqual(invoice.contract_milestone_id, first)

    def test_posting_queries_do_not_grow_with_milestones(self):
        def queries(count):
            amounts = [10.0] * count
            dues = [date(2026, 4, 1)] * count
            contract = self._sign(self._planned_contract(amounts, dues))
            for milestone in contract.milestone_ids[1:4]:
                self._milestone_invoice(contract, milestone, 10.0).action_post()
            invoice = self._milestone_invoice(contract, contract.milestone_ids[0], 5.0)
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            invoice.action_post()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        self.assertEqual(queries(5), queries(40))

    # ----------------------------------------------------- states, risk, alerts
    def test_states_and_overdue_risk_with_one_activity(self):
        contract = self._sign(self._planned_contract())
        first, second = contract.milestone_ids
        self.assertEqual((first.state, second.state), ("planned", "planned"))
        invoice = self._milestone_invoice(contract, first, 400.0)
        invoice.action_post()
        self.assertEqual(first.state, "invoiced")
        self.assertEqual(contract.risk_level, "normal")
        activity_type = self.env.ref(
            "contract_lifecycle.mail_activity_type_contract_milestone_overdue"
        )
        with freeze_time("2026-04-30"):
            first.invalidate_recordset()
            self.assertEqual(first.state, "invoiced")
        with freeze_time("2026-05-02"):
            self.env["contract.contract"]._cron_contract_lifecycle()
            first.invalidate_recordset()
            self.assertEqual(first.state, "overdue")
            self.assertEqual(contract.risk_level, "high")
            self.assertEqual(contract.overdue_milestone_count, 1)
            alerts = contract.activity_ids.filtered(
                lambda a: a.activity_type_id == activity_type
            )
            self.assertEqual(len(alerts), 1)
            self.assertEqual(alerts.user_id, contract.user_id)
            self.env["contract.contract"]._cron_contract_lifecycle()
            self.assertEqual(
                len(
                    contract.activity_ids.filtered(
                        lambda a: a.activity_type_id == activity_type
                    )
                ),
                1,
            )
            self._pay(invoice, 400.0)
            self.env["contract.contract"]._cron_contract_lifecycle()
            first.invalidate_recordset()
            self.assertEqual(first.state, "paid")
            self.assertEqual(contract.risk_level, "normal")
        with freeze_time("2026-09-30"):
            second.invalidate_recordset()
            self.assertEqual(second.state, "due")

    def test_overdue_milestone_at_computation(self):
        # A contract signed with a milestone already past due is high-risk at
        # once (the computation, not only the cron).
        contract = self._planned_contract(
            (400.0, 600.0), [date(2026, 2, 1), date(2026, 9, 30)]
        )
        self._sign(contract)
        self.env.flush_all()
        self.assertEqual(contract.risk_level, "high")
        self.assertEqual(contract.milestone_ids[0].state, "overdue")
        self.assertEqual(len(contract.activity_ids), 1)

    def test_cron_queries_constant(self):
        def queries(count):
            contracts = self.env["contract.contract"]
            for _i in range(count):
                contracts |= self._planned_contract(
                    (400.0, 600.0), [date(2026, 2, 1), date(2026, 9, 30)]
                )
            contracts.sudo().write({"state": "active"})
            self.env.flush_all()
            Contract = self.env["contract.contract"]
            Contract._cron_contract_lifecycle()
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Contract._cron_contract_lifecycle()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        self.assertEqual(queries(3), queries(12))

    # ---------------------------------------------------------------- versions
    def test_amendment_carries_the_plan(self):
        contract = self._sign(self._planned_contract())
        first = contract.milestone_ids[0]
        self._milestone_invoice(contract, first, 400.0).action_post()
        draft = self._milestone_invoice(contract, contract.milestone_ids[1], 100.0)
        action = contract.action_amend()
        new = self.env["contract.contract"].browse(action["res_id"])
        self.assertEqual(len(new.milestone_ids), 2)
        carried = new.milestone_ids[0]
        self.assertEqual(carried.previous_milestone_id, first)
        self.assertEqual(carried.amount_invoiced, 400.0)
        self.assertEqual(carried.state, "invoiced")
        with self._refused(ValidationError, "below what is already invoiced"):
            carried.with_user(self.salesman).amount = 300.0
        with self._refused(UserError, "has invoices"):
            carried.with_user(self.salesman).unlink()
        self.env.invalidate_all()
        self.assertEqual(carried.amount, 400.0)
        # Raising the contract needs the plan raised too.
        new.with_user(self.salesman).amount_total = 1500.0
        self._attach(new)
        with self._refused(UserError, "add up to"):
            new.with_user(self.salesman).action_submit()
        new.milestone_ids[1].with_user(self.salesman).amount = 1100.0
        self._sign(new)
        self.assertEqual(new.state, "active")
        self.assertEqual(draft.contract_id, new)
        self.assertEqual(draft.contract_milestone_id, new.milestone_ids[1])
        # The carried milestone is full: what was invoiced stays invoiced.
        with self._refused(UserError, "exceed milestone M1"):
            self._milestone_invoice(new, carried, 1.0).action_post()
        draft.action_post()
        self.assertEqual(new.milestone_ids[1].amount_invoiced, 100.0)
