"""Every menu of the Internal Control app opens for every role that sees it.

The menus are read from the app's tree as the web client gets it
(``load_menus`` for the user), whatever addons are installed under the app.
"""

from lxml import etree

from odoo import Command, fields
from odoo.addons.web.controllers.utils import clean_action
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase
from odoo.tools.safe_eval import safe_eval

# role -> groups (xml ids); a role whose groups are not all installed is skipped.
ROLES = {
    "salesman (own documents)": "sales_team.group_sale_salesman",
    "salesman (team documents)": "sales_internal_control.group_sale_team_documents",
    "buyer": "purchase.group_purchase_user",
    "billing clerk": "account.group_account_invoice",
    "accountant": "account.group_account_manager",
    "control user": "sales_internal_control.group_control_user",
    "controller": "sales_internal_control.group_control_manager",
    "credit controller": "credit_rating.group_credit_controller",
    "budget manager": "budget_control.group_budget_manager",
    "contract manager": "contract_lifecycle.group_contract_manager",
    "contract legal": "contract_lifecycle.group_contract_legal",
    "emergency approver": "sales_internal_control.group_emergency_approver",
}
# The user of the second company holds the app's widest roles there.
SECOND_COMPANY_ROLE = "controller of a second company"
SECOND_COMPANY_GROUPS = (
    "sales_internal_control.group_control_manager,"
    "credit_rating.group_credit_controller,"
    "budget_control.group_budget_manager,"
    "contract_lifecycle.group_contract_manager"
)

# The menus of the four addons each role sees (menus of other addons under the
# app, and menus of addons not installed, are left out of the comparison).
CONTROL = {
    "sales_internal_control.control_dashboard_menu",
    "sales_internal_control.menu_internal_control_approvals",
    "sales_internal_control.control_approval_request_menu_my",
    "sales_internal_control.control_approval_request_menu",
    "budget_control.control_budget_root_menu",
    "budget_control.control_budget_menu",
    "budget_control.control_budget_change_menu",
    "budget_control.control_budget_analysis_menu",
    "sales_internal_control.menu_internal_control_reporting",
}
SALES_ANALYSIS = {
    "sales_internal_control.menu_internal_control_reporting",
    "sales_internal_control.control_sales_analysis_menu",
}
APPROVER = {
    "sales_internal_control.menu_internal_control_approvals",
    "sales_internal_control.control_approval_request_menu_my",
}
CONTRACTS = {"contract_lifecycle.contract_contract_menu"}
CONTRACT_TEMPLATES = {"contract_lifecycle.contract_template_menu"}
AUDIT = {
    "sales_internal_control.menu_internal_control_audit",
    "sales_internal_control.control_log_menu",
    "sales_internal_control.control_log_export_menu",
    "sales_internal_control.menu_internal_control_config",
    "sales_internal_control.control_approval_rule_menu",
    "sales_internal_control.control_anomaly_menu",
    "sales_internal_control.control_anomaly_rule_menu",
    "sales_internal_control.control_sod_conflict_menu",
    "sales_internal_control.control_sod_mitigation_menu",
    "sales_internal_control.control_sod_function_menu",
    "sales_internal_control.control_sod_risk_menu",
    "sales_internal_control.control_access_review_menu",
}
CREDIT = {
    "credit_rating.menu_credit_root",
    "credit_rating.res_partner_menu_credit_hold",
    "credit_rating.sale_order_menu_credit_blocked",
    "credit_rating.credit_grade_history_menu",
    "credit_rating.res_partner_menu_credit",
    "credit_rating.credit_exposure_report_menu",
    "credit_rating.res_partner_menu_credit_export",
    "credit_rating.credit_aging_report_menu",
    "credit_rating.credit_dunning_menu",
    "credit_rating.credit_dunning_run_menu",
}
CREDIT_CONFIG = {
    "sales_internal_control.menu_internal_control_config",
    "credit_rating.credit_scorecard_menu",
    "credit_rating.credit_dunning_level_menu",
}
EXPECTED = {
    "salesman (own documents)": APPROVER | CONTRACTS | SALES_ANALYSIS,
    "salesman (team documents)": APPROVER | CONTRACTS | SALES_ANALYSIS,
    "buyer": APPROVER | CONTRACTS,
    "billing clerk": APPROVER | CONTRACTS,
    "accountant": APPROVER | CONTRACTS,
    "control user": CONTROL,
    "controller": CONTROL
    | CONTRACTS
    | AUDIT
    | SALES_ANALYSIS
    | {"credit_rating.credit_scorecard_menu"},
    "credit controller": CONTROL | CREDIT | CREDIT_CONFIG,
    "budget manager": CONTROL,
    "contract manager": CONTROL | CONTRACTS | CONTRACT_TEMPLATES,
    "contract legal": APPROVER | CONTRACTS | CONTRACT_TEMPLATES,
    "emergency approver": CONTROL,
    SECOND_COMPANY_ROLE: CONTROL
    | SALES_ANALYSIS
    | CONTRACTS
    | CONTRACT_TEMPLATES
    | AUDIT
    | CREDIT
    | CREDIT_CONFIG,
}
OUR_MODULES = (
    "sales_internal_control",
    "credit_rating",
    "budget_control",
    "contract_lifecycle",
)


@tagged("post_install", "-at_install")
class TestMenus(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = cls.env.ref("sales_internal_control.menu_internal_control_root")
        cls.company_b = cls.env["res.company"].create({"name": "IC Menus Company B"})
        cls.users = {}
        for role, groups in ROLES.items():
            if cls._groups_installed(groups):
                cls.users[role] = cls._menu_user(role, groups, cls.env.company)
        if cls._groups_installed(SECOND_COMPANY_GROUPS):
            cls.users[SECOND_COMPANY_ROLE] = cls._menu_user(
                SECOND_COMPANY_ROLE, SECOND_COMPANY_GROUPS, cls.company_b
            )
        cls._menu_data()

    @classmethod
    def _groups_installed(cls, groups):
        return all(
            cls.env.ref(xmlid, raise_if_not_found=False) for xmlid in groups.split(",")
        )

    @classmethod
    def _menu_user(cls, role, groups, company):
        login = "ic_menus_" + "".join(c if c.isalnum() else "_" for c in role)
        return new_test_user(
            cls.env,
            login=login,
            name=role,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    @classmethod
    def _menu_data(cls):
        """A few documents of each company, so the first pages have rows."""
        partner = cls.env["res.partner"].create({"name": "IC Menus Customer"})
        product = cls.env["product.product"].create(
            {"name": "IC Menus Item", "list_price": 100.0}
        )
        for company in cls.env.company | cls.company_b:
            cls.env["sale.order"].with_company(company).create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "price_unit": 10})
                    ],
                }
            )
            if "control.budget" in cls.env:
                plan = cls.env["account.analytic.plan"].create(
                    {"name": f"IC Menus Plan {company.name}"}
                )
                account = cls.env["account.analytic.account"].create(
                    {"name": "IC Menus", "plan_id": plan.id, "company_id": company.id}
                )
                today = fields.Date.today()
                cls.env["control.budget"].create(
                    {
                        "name": f"IC Menus Budget {company.name}",
                        "analytic_account_id": account.id,
                        "date_from": today.replace(month=1, day=1),
                        "date_to": today.replace(month=12, day=31),
                        "amount": 1000.0,
                        "company_id": company.id,
                    }
                )
            if "contract.contract" in cls.env:
                cls.env["contract.contract"].with_company(company).create(
                    {
                        "title": f"IC Menus Contract {company.name}",
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "currency_id": company.currency_id.id,
                        "date_end": fields.Date.today().replace(month=12, day=31),
                    }
                )

    # ------------------------------------------------------------------ helpers
    def _app_menus(self, user):
        """The menus of the app visible to ``user`` (``_visible_menu_ids``, as
        ``load_menus`` gets them, orphans included): {xmlid: menu}."""
        menus = (
            self.env["ir.ui.menu"]
            .with_user(user)
            .search([("id", "child_of", self.root.id), ("id", "!=", self.root.id)])
        )
        xmlids = menus._get_menuitems_xmlids()
        return {xmlids.get(menu.id) or str(menu.id): menu.sudo() for menu in menus}

    def _eval_context(self, env):
        return dict(
            env["ir.actions.actions"]._get_eval_context(),
            context_today=lambda: fields.Date.context_today(env.user),
            allowed_company_ids=env.companies.ids,
            current_company_id=env.company.id,
            active_id=False,
            active_ids=[],
        )

    def _user_env(self, user):
        return self.env(
            user=user,
            context={
                "lang": user.lang,
                "tz": user.tz,
                "uid": user.id,
                "allowed_company_ids": user.company_ids.ids,
            },
        )

    def _open_menu(self, user, menu):
        env = self._user_env(user)
        if not menu.action:
            return
        action = menu.action.sudo()
        if action._name == "ir.actions.act_window":
            action = clean_action(action._get_action_dict(), env=env)
        else:
            action = clean_action(action.read()[0], env=env)
        self._run_action(env, action)

    def _run_action(self, env, action):
        kind = action["type"]
        if kind == "ir.actions.server":
            # The user's context (companies, language) is the environment's.
            result = env["ir.actions.server"].browse(action["id"]).run()
            if result:
                self._run_action(env, clean_action(result, env=env))
        elif kind == "ir.actions.act_window":
            self._open_window(env, action)
        elif kind == "ir.actions.client":
            self.assertTrue(action.get("tag"), "client action without a tag")
        elif kind == "ir.actions.act_url":
            self.assertTrue(action.get("url"))

    def _open_window(self, env, action):
        eval_context = self._eval_context(env)
        context = action.get("context") or {}
        if isinstance(context, str):
            context = safe_eval(context, dict(eval_context, context=env.context))
        domain = action.get("domain") or []
        if isinstance(domain, str):
            domain = safe_eval(domain, eval_context)
        model = env[action["res_model"]].with_context(**context)
        search_view = action.get("search_view_id")
        views = [list(view) for view in action["views"]]
        views.append([search_view and search_view[0], "search"])
        result = model.get_views(
            views,
            {"action_id": action.get("id"), "load_filters": True, "toolbar": True},
        )
        model_fields = result["models"][model._name]["fields"]
        for view_type, view in result["views"].items():
            names = self._arch_fields(view["arch"], model_fields)
            if view_type in ("list", "kanban"):
                spec = {
                    name: {"fields": {"display_name": {}}}
                    if model_fields[name]["type"]
                    in ("many2one", "many2many", "one2many")
                    else {}
                    for name in names
                }
                model.web_search_read(domain, spec, limit=80)
            elif view_type in ("pivot", "graph"):
                arch = etree.fromstring(view["arch"])
                groupby = [
                    node.get("name")
                    for node in arch.iter("field")
                    if node.get("type") in ("row", None) and node.get("name") in names
                ]
                measures = [
                    node.get("name")
                    for node in arch.iter("field")
                    if node.get("type") == "measure"
                ]
                model.read_group(
                    domain, measures or ["__count"], groupby[:1], lazy=False
                )
            elif view_type == "form":
                if action.get("res_id"):
                    model.browse(action["res_id"]).web_read({n: {} for n in names})
                else:
                    model.default_get(names)

    def _arch_fields(self, arch, model_fields):
        """Top-level fields of a view (not those of its embedded sub-views)."""
        tree = etree.fromstring(arch)
        names = []
        for node in tree.iter("field"):
            parent = node.getparent()
            while parent is not None and parent.tag != "field":
                parent = parent.getparent()
            name = node.get("name")
            if parent is None and name in model_fields and name not in names:
                names.append(name)
        return names

    def _our_menus(self):
        data = self.env["ir.model.data"].search(
            [("model", "=", "ir.ui.menu"), ("module", "in", OUR_MODULES)]
        )
        return {f"{d.module}.{d.name}" for d in data}

    # -------------------------------------------------------------------- tests
    def test_every_menu_opens_for_every_role(self):
        failures = []
        for role, user in self.users.items():
            menus = self._app_menus(user)
            self.assertTrue(menus, f"{role} sees no menu of the app")
            for xmlid, menu in menus.items():
                try:
                    with self.env.cr.savepoint():
                        self._open_menu(user, menu)
                except Exception as error:  # noqa: BLE001 - the test reports any
                    failures.append(
                        f"{role}: {xmlid} ({menu.complete_name}): "
                        f"{type(error).__name__}: {error}"
                    )
        self.assertFalse(failures, "\n" + "\n".join(failures))

    def test_each_role_sees_the_menus_it_can_use(self):
        ours = self._our_menus()
        for role, user in self.users.items():
            with self.subTest(role=role):
                self.assertEqual(
                    set(self._app_menus(user)) & ours, EXPECTED[role] & ours
                )
