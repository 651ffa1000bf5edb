from odoo import fields, sql_db
from odoo.addons.credit_rating.models import credit_queue
from odoo.addons.credit_rating.models.credit_exposure_ledger import LOCK_TABLE
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditQueries(CreditCommon):
    """What the credit control costs a sale confirmation, in queries: exact,
    whatever the customer's history. ``make bench`` (bench/bench_perf.py)
    measures the same confirmation on plain Odoo: 22 queries there."""

    def _confirm(self, order):
        """Queries of a confirmation as in a request: the cache empty at the
        start, everything flushed at the end."""
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        order.action_confirm()
        self.env.flush_all()
        self.assertEqual(order.state, "sale")
        return self.env.cr.sql_log_count - before

    def test_confirmation_query_count(self):
        """A confirmation with a credit limit set and no rule hit: plain
        Odoo's queries (the credit control issues one, the lock with the
        credit fields and the exposure; the approval engine does not look
        for strategic customers in a company that has none; Odoo's
        follower read is not needed once the engine has read the order)."""
        self._no_strategic_customers()
        self._confirm(self._order(amount=10.0))  # caches of the registry
        counts = [self._confirm(self._order(amount=10.0))]
        # history: confirmed orders, draft and posted invoices
        for _index in range(5):
            self._order(amount=10.0).action_confirm()
        for index in range(3):
            self._invoice(self.customer, 10.0, fields.Date.today(), post=bool(index))
        counts.append(self._confirm(self._order(partner=self.contact, amount=10.0)))
        self.assertEqual(counts, [22, 22])

    def test_check_statements(self):
        """The credit fields read with the lock are the ORM's; the evaluation
        itself reads nothing when the check passes."""
        self._order(amount=300.0).action_confirm()
        controller = self.customer.with_user(self.controller)
        controller.write({"credit_hold": True, "credit_strategic": True})
        self.customer.sudo().credit_grade = "C"
        scorecard = self.env["credit.scorecard"]._get_active(self.company)
        scorecard.policy_ids.filtered(
            lambda p: p.grade == "C"
        ).block_confirmation = True
        order = self._order(partner=self.contact, amount=10.0)
        order._credit_strategic_partners()  # caches of the registry
        order._credit_confirmation_data()
        self.env.flush_all()
        self.env.invalidate_all()
        # the order, its company and currency are read (by the engine)
        order.company_id.currency_id.mapped("rounding")
        with self.assertQueryCount(1):
            strategic = order._credit_strategic_partners()
        self.assertEqual(strategic, {order: self.customer})
        with self.assertQueryCount(1):
            checks = order._credit_confirmation_data()
        commercial, data = checks[self.company]
        self.assertEqual(commercial, {self.contact.id: self.customer.id})
        values = data[self.customer.id]
        expected = dict(
            self.customer._credit_exposure_data()[self.customer.id],
            **self.customer._credit_partner_values(),
        )
        self.assertEqual(values, expected)
        self.assertEqual(
            {key: values[key] for key in ("limit", "hold", "grade", "strategic")},
            {"limit": 1000.0, "hold": True, "grade": "C", "strategic": True},
        )
        self.assertIn("C", values["blocked_grades"])
        self.assertAlmostEqual(values["exposure"], 300.0)
        # a customer in good standing: nothing read to evaluate the order
        controller.write({"credit_hold": False})
        self.customer.sudo().credit_grade = "A"
        self.env.flush_all()
        data = order._credit_confirmation_data()[self.company][1]
        partner = self.env["res.partner"].browse(self.customer.id)
        with self.assertQueryCount(0):
            result = partner._credit_evaluate(10.0, data=data[partner.id])
        self.assertTrue(result["allowed"])
        self.assertAlmostEqual(result["available"], 700.0)

    def test_check_function_plans_once(self):
        """The check's function runs with generic plans: with PostgreSQL's
        default it planned its statements again at every call."""
        self.env.cr.execute(
            "SELECT proconfig FROM pg_proc WHERE proname = %s",
            [self.env["res.partner"]._CREDIT_CHECK_FUNCTION],
        )
        self.assertEqual(
            self.env.cr.fetchall(), [(["plan_cache_mode=force_generic_plan"],)]
        )

    def _turns_held(self):
        """The customers' advisory locks of credit_queue this transaction holds."""
        self.env.cr.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid = pg_backend_pid() AND classid = %s",
            (credit_queue.ADVISORY_NAMESPACE,),
        )
        return self.env.cr.fetchone()[0]

    def test_turns_bounded_per_transaction(self):
        """A check takes its customers' turns (one advisory lock each, till
        the transaction ends), up to TURNS_PER_TRANSACTION customers in a
        transaction: a batch of thousands never fills PostgreSQL's lock
        table, and is checked all the same."""
        held = self._turns_held()
        self._order(amount=10.0).action_confirm()
        self.assertEqual(self._turns_held(), held + 1)
        # Two customers at once: both taken, in order (the waiting path).
        pair = self.env["res.partner"].create(
            [{"name": f"Pair Customer {i}", "credit_limit": 100.0} for i in range(2)]
        )
        self.env["sale.order"].concat(
            *(self._order(partner=customer, amount=10.0) for customer in pair)
        ).action_confirm()
        self.assertEqual(self._turns_held(), held + 3)
        count = credit_queue.TURNS_PER_TRANSACTION + 5
        customers = self.env["res.partner"].create(
            [
                {"name": f"Batch Customer {i}", "credit_limit": 100.0}
                for i in range(count)
            ]
        )
        orders = self.env["sale.order"].concat(
            *(self._order(partner=customer, amount=10.0) for customer in customers)
        )
        orders.action_confirm()
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        self.assertEqual(self._turns_held(), held + 3)
        # over the limit, still refused without the turns
        with self.assertRaises(UserError):
            self._order(partner=customers[0], amount=95.0).action_confirm()

    def test_stranded_turn_is_passed(self):
        """A customer's turn held by another database session for longer than
        TURN_WAIT (its connection stuck, or a pooler in transaction mode)
        delays the check by that much, never blocks it; the check is as
        exact, and the transaction's own lock timeout is left as it was."""
        self.env.cr.execute("SHOW lock_timeout")
        timeout = self.env.cr.fetchone()[0]
        order = self._order(amount=10.0)
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute(
                "SELECT pg_advisory_lock(%s, %s)",
                (credit_queue.ADVISORY_NAMESPACE, self.customer.id),
            )
            try:
                order.action_confirm()
            finally:
                other.execute("SELECT pg_advisory_unlock_all()")
        self.assertEqual(order.state, "sale")
        self.env.cr.execute("SHOW lock_timeout")
        self.assertEqual(self.env.cr.fetchone()[0], timeout)
        with self.assertRaises(UserError):
            self._order(amount=995.0).action_confirm()

    def test_merged_customers_keep_their_lock(self):
        """Two customers that were both checked (each with its row of the
        lock table) can be merged; the merged customer is checked against
        its limit with both customers' orders."""
        other = self.env["res.partner"].create(
            {"name": "Credit Customer Twin", "is_company": True, "credit_limit": 1000.0}
        )
        self._order(amount=300.0).action_confirm()
        self._order(partner=other, amount=400.0).action_confirm()
        self.env.cr.execute(
            f"SELECT count(*) FROM {LOCK_TABLE} WHERE partner_id IN %s",
            [(self.customer.id, other.id)],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 2)
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((self.customer + other).ids, self.customer)
        self.assertFalse(other.exists())
        self.assertEqual(self.customer.credit_check(0.0)["exposure"], 700.0)
        with self.assertRaises(UserError):
            self._order(amount=301.0).action_confirm()
        self._order(amount=300.0).action_confirm()
