"""Cost of export logging and of the mass-export detector (issue 17).

An ``export_data`` of 1,000 contacts (name, e-mail, city), as a user with
the export right, against the same export without the logging
(``_export_rows``, what ``export_data`` wraps): no Mass export rule, then an
active rule, with 10 and with 10,000 earlier export lines of the user that
day (SQL copies of one real line). The export stays under the limit (no
finding is written): this is the logging and the detection. Then the
bank-number masking: a ``read`` of 1,000 bank accounts by a user without
accounting rights against one with them.

Everything is rolled back.
"""

from common import bench_env, init_odoo, measure, report

from odoo.tests import new_test_user
from odoo.tools import SQL

ROWS = 1000
FIELDS = ["name", "email", "city"]


def _history(env, line, count):
    env.cr.execute(
        SQL(
            """
            INSERT INTO control_log (event, res_model, res_name, control, user_id,
                                     date, message, export_rows, company_id,
                                     create_uid, write_uid, create_date,
                                     write_date)
            SELECT event, res_model, res_name, control, user_id, date, message,
                   0, company_id, create_uid, write_uid, create_date, write_date
              FROM control_log, generate_series(1, %s)
             WHERE id = %s
            """,
            count,
            line.id,
        )
    )


def bench_exports(env):
    env["control.anomaly.rule"].search([]).active = False
    env.company.export_alert_rows = 10**9
    user = new_test_user(
        env, login="bench_exporter", groups="base.group_user,base.group_allow_export"
    )
    partners = (
        env["res.partner"]
        .create(
            [
                {"name": f"Bench Export {index}", "email": f"b{index}@example.com"}
                for index in range(ROWS)
            ]
        )
        .with_user(user)
    )
    paths = [[name] for name in FIELDS]
    rows = []
    partners._export_rows(paths)  # warm the caches
    _result, core_queries, core_seconds = measure(env, partners._export_rows, paths)
    rows.append(("no logging (_export_rows)", "-", core_queries, core_seconds))
    rule = None
    for label, history in (
        ("no rule", 10),
        ("rule active", 10),
        ("rule active", 10000),
    ):
        if label == "rule active" and rule is None:
            rule = env["control.anomaly.rule"].create(
                {"name": "Bench mass export", "detector": "mass_export"}
            )
        Log = env["control.log"]
        line = Log.search([("user_id", "=", user.id)], limit=1)
        if not line:
            partners[:1].export_data(FIELDS)
            line = Log.search([("user_id", "=", user.id)], limit=1)
        existing = Log.search_count([("user_id", "=", user.id)])
        if existing < history:
            _history(env, line, history - existing)
        partners.export_data(FIELDS)  # warm the caches
        _result, queries, seconds = measure(env, partners.export_data, FIELDS)
        rows.append((f"export_data, {label}", history, queries, seconds))
    report(
        f"export_data of {ROWS} contacts ({len(FIELDS)} fields)",
        rows
        + [
            (
                "added by the logging (rule active, 10,000 lines)",
                "",
                rows[-1][2] - core_queries,
                rows[-1][3] - core_seconds,
            )
        ],
        ["case", "earlier lines today", "queries", "seconds"],
    )


def bench_masking(env):
    salesman = new_test_user(
        env, login="bench_masked", groups="sales_team.group_sale_salesman"
    )
    billing = new_test_user(
        env, login="bench_billing", groups="account.group_account_invoice"
    )
    partner = env["res.partner"].create({"name": "Bench Bank Owner"})
    banks = env["res.partner.bank"].create(
        [
            {"partner_id": partner.id, "acc_number": f"BE{index:014d}"}
            for index in range(ROWS)
        ]
    )
    rows = []
    for label, user in (("masked (salesman)", salesman), ("real (billing)", billing)):
        records = banks.with_user(user)
        records.read(["acc_number", "display_name"])  # warm the caches
        _result, queries, seconds = measure(
            env, records.read, ["acc_number", "display_name"]
        )
        rows.append((label, queries, seconds))
    report(
        f"read of {ROWS} bank accounts (acc_number, display_name)",
        rows,
        ["user", "queries", "seconds"],
    )


def main():
    init_odoo()
    with bench_env() as env:
        bench_exports(env)
    with bench_env() as env:
        bench_masking(env)


if __name__ == "__main__":
    main()
