from odoo import SUPERUSER_ID, api
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools.cache import STAT

from ..models import control_tools
from ..models.res_company import SETTINGS_PREFETCH
from .common import DocumentCase


def cache_stat(model, method):
    """Odoo's hit and miss counter of the ormcache'd ``method`` of ``model``."""
    return STAT[(model.pool.db_name, model._name, method.__cache__.method)]


@tagged("post_install", "-at_install")
class TestControlSettings(DocumentCase):
    """The company's control settings: out of the company's ordinary fetch,
    read by the checks from a per-company cache that a write clears."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.purchase_group = cls.env.ref("purchase.group_purchase_manager")
        cls._rule(
            "purchase.order",
            amount_min=5000,
            tiers=[("Purchase manager", cls.purchase_group)],
        )

    def test_company_fetch_leaves_the_settings_out(self):
        company = self.company
        names = company._control_setting_names()
        self.assertEqual(
            names,
            {
                name
                for name, field in company._fields.items()
                if field.prefetch == SETTINGS_PREFETCH
            },
        )
        self.assertTrue(
            {
                "control_approval_sale",
                "control_approval_purchase",
                "sod_bill_payment",
                "sod_bank_window_days",
                "export_alert_rows",
                "approval_requires_2fa",
            }
            <= names
        )
        self.env.invalidate_all()
        self.assertTrue(company.name)  # Odoo's ordinary fetch of the company
        for name in names:
            self.assertFalse(self.env.cache.contains(company, company._fields[name]))
        company._control_setting("control_approval_purchase")
        # Warm: no query, whatever the ORM's cache holds.
        self.env.invalidate_all()
        with self.assertQueryCount(0):
            days = company._control_setting("sod_bank_window_days")
        self.assertEqual(days, company.sod_bank_window_days)
        # The ORM reads the settings together, in one query (Settings).
        self.env.invalidate_all()
        self.assertTrue(company.name)
        with self.assertQueryCount(1):
            read = (company.control_approval_sale, company.sod_bank_window_days)
        self.assertEqual(read[1], company._control_setting("sod_bank_window_days"))

    def test_written_setting_reaches_the_check(self):
        self.company.control_approval_purchase = True
        order = self._purchase(8000)
        order.button_confirm()
        self.assertEqual(order.approval_state, "pending")
        self.company.control_approval_purchase = False
        order = self._purchase(8000)
        order.button_confirm()
        self.assertEqual((order.state, order.approval_state), ("purchase", "none"))
        # Through Settings, as an administrator does.
        self.env["res.config.settings"].create(
            {"control_approval_purchase": True}
        ).execute()
        self.assertTrue(self.company._control_setting("control_approval_purchase"))
        order = self._purchase(8000)
        order.button_confirm()
        self.assertEqual((order.state, order.approval_state), ("draft", "pending"))

    def test_values_read_before_the_commit_are_forgotten_at_it(self):
        """Another thread of the process (threaded mode) reads the setting
        in its own transaction while the change is not committed: what it
        cached is dropped when the change commits."""
        company = self.company
        before = company.sod_bank_window_days
        self.env.cr.postcommit.clear()
        company.sod_bank_window_days = before + 5
        with self.registry.cursor() as cr:
            other = api.Environment(cr, SUPERUSER_ID, {})
            seen = other["res.company"].browse(company.id)
            self.assertEqual(seen._control_setting("sod_bank_window_days"), before)
        # The commit runs its post-commit hooks.
        self.env.cr.postcommit.run()
        self.assertEqual(company._control_setting("sod_bank_window_days"), before + 5)

    def test_each_company_has_its_own(self):
        other = self.env["res.company"].create(
            {"name": "Settings Other Company", "sod_bank_window_days": 7}
        )
        self.company.sod_bank_window_days = 30
        self.assertEqual(other._control_setting("sod_bank_window_days"), 7)
        self.assertEqual(self.company._control_setting("sod_bank_window_days"), 30)
        other.sod_bank_window_days = 9
        self.assertEqual(other._control_setting("sod_bank_window_days"), 9)
        self.assertEqual(self.company._control_setting("sod_bank_window_days"), 30)

    def test_company_in_a_form(self):
        new = self.env["res.company"].new(
            {"name": "Settings New Company", "sod_bank_window_days": 5}
        )
        self.assertEqual(new._control_setting("sod_bank_window_days"), 5)

    def test_refused_value_changes_nothing(self):
        self.company.sod_bank_window_days = 30
        self.assertEqual(self.company._control_setting("sod_bank_window_days"), 30)
        # Odoo's assertRaises runs the write in a savepoint, rolled back.
        with self.assertRaises(ValidationError) as caught:
            self.company.sod_bank_window_days = -3
        self.assertIn("cannot be negative (-3 days)", str(caught.exception))
        self.assertEqual(self.company._control_setting("sod_bank_window_days"), 30)
        self.assertEqual(self.company.sod_bank_window_days, 30)

    def test_cached_reads_the_ormcache_without_its_wrapper(self):
        """control_tools.cached: the ormcache's own value, key and cache (a
        miss computes and stores, a hit reads; a write of a setting clears
        it as it clears the decorated method's)."""
        company = self.company
        stat = cache_stat(company, type(company)._control_settings)
        self.env.registry.clear_cache()
        misses = stat.miss
        value = control_tools.cached(company, "_control_settings", company.id)
        self.assertEqual(stat.miss, misses + 1)
        self.assertEqual(value, company._control_settings(company.id))
        self.assertEqual(stat.miss, misses + 1, "the decorated call hits")
        hits = stat.hit
        self.assertIs(
            control_tools.cached(company, "_control_settings", company.id), value
        )
        self.assertEqual(stat.hit, hits + 1)
        company.export_alert_rows = 1234
        fresh = control_tools.cached(company, "_control_settings", company.id)
        self.assertEqual(fresh["export_alert_rows"], 1234)
        self.assertEqual(stat.miss, misses + 2)
        # A method that is not cached is called as it is.
        self.assertEqual(
            control_tools.cached(company, "_control_setting", "export_alert_rows"),
            1234,
        )
