"""Cost of segregation of duties (issue 17).

(a) ``control.sod.risk.action_analyze()`` and a read of the whole conflict
report (``search_read`` of every row) with 1,000 internal users and 50
risks over 20 functions: queries and seconds.

(b) The grant check: queries and milliseconds of giving one user one group
(res.users write) with no risk at all, and with the 50 risks and 1,000
users, against plain Odoo (the same write on the plain database).

(c) The transaction rules at posting: queries one outgoing payment's and one
vendor bill's posting cost with the rules off and on (and nothing to
refuse).

Everything is rolled back.
"""

import time

from common import bench_env, init_odoo, measure, report

from odoo import Command

USERS = 1000
FUNCTIONS = 20
RISKS = 50


def _groups(env):
    return (
        env["res.groups"]
        .search(
            [
                ("share", "=", False),
                ("category_id", "!=", False),
                ("category_id", "!=", env.ref("base.module_category_user_type").id),
            ],
            order="id",
        )
        .filtered(lambda group: group.id != env.ref("base.group_user").id)[:FUNCTIONS]
    )


def _users(env, count, groups, prefix):
    """``count`` internal users, each with 3 of ``groups`` (SQL, one query
    per table, as an import would)."""
    base = env.ref("base.group_user")
    users = env["res.users"].create(
        [
            {
                "name": f"Bench SoD {prefix}{index}",
                "login": f"bench_sod_{prefix}{index}",
            }
            for index in range(count)
        ]
    )
    env.flush_all()
    rows = [
        (groups[(index + shift * 7) % len(groups)].id, user.id)
        for index, user in enumerate(users)
        for shift in range(3)
    ]
    env.cr.execute(
        "INSERT INTO res_groups_users_rel (gid, uid) "
        "SELECT * FROM unnest(%s::int[], %s::int[]) ON CONFLICT DO NOTHING",
        ([row[0] for row in rows], [row[1] for row in rows]),
    )
    env.invalidate_all()
    return users, base


def _grant(env, user, group):
    return measure(
        env,
        lambda: (
            env["res.users"]
            .with_user(env.ref("base.user_admin"))
            .browse(user.id)
            .write({"groups_id": [Command.link(group.id)]})
        ),
    )


def matrix_and_grants():
    rows = []
    with bench_env(plain=True) as env:
        groups = _groups(env)
        users, _base = _users(env, 3, groups, "p")
        _grant(env, users[0], groups[-1])
        _r, queries, seconds = _grant(env, users[1], groups[-1])
        rows.append(("grant one group (plain Odoo)", queries, seconds * 1000))
    with bench_env() as env:
        env["control.sod.risk"].search([]).active = False
        groups = _groups(env)
        users, _base = _users(env, 3, groups, "a")
        _grant(env, users[0], groups[-1])
        _r, queries, seconds = _grant(env, users[1], groups[-1])
        rows.append(("grant one group, no risk", queries, seconds * 1000))
        functions = env["control.sod.function"].create(
            [
                {"name": f"Bench F{index}", "group_ids": [Command.set(group.ids)]}
                for index, group in enumerate(groups)
            ]
        )
        env["control.sod.risk"].create(
            [
                {
                    "name": f"Bench R{index}",
                    "function_a_id": functions[index % FUNCTIONS].id,
                    "function_b_id": functions[(index * 3 + 1) % FUNCTIONS].id,
                }
                for index in range(RISKS)
                if index % FUNCTIONS != (index * 3 + 1) % FUNCTIONS
            ]
        )
        many, _base = _users(env, USERS, groups, "m")
        env.cr.execute("ANALYZE res_groups_users_rel")
        open_count, queries, seconds = measure(
            env, env["control.sod.risk"].action_analyze
        )
        rows.append(
            (f"action_analyze ({open_count} open conflicts)", queries, seconds * 1000)
        )
        start = time.perf_counter()
        result, queries, _seconds = measure(
            env,
            env["control.sod.conflict"].search_read,
            [],
            ["user_id", "risk_id", "state"],
        )
        rows.append(
            (
                f"read the whole report ({len(result)} rows)",
                queries,
                (time.perf_counter() - start) * 1000,
            )
        )
        _grant(env, many[0], groups[-2])
        _r, queries, seconds = _grant(env, many[1], groups[-2])
        rows.append(
            (f"grant one group, {RISKS} risks, {USERS} users", queries, seconds * 1000)
        )
    return rows


def payments():
    """Queries of one posting with the transaction rules off and on: an
    outgoing payment (sod_bill_payment, sod_bank_payment) and a vendor bill
    of a purchase order (sod_po_bill); nothing to refuse."""
    rows = []
    with bench_env() as env:
        company = env.company
        partner = env["res.partner"].create({"name": "Bench SoD Vendor"})
        product = env["product.product"].create(
            {"name": "Bench SoD Item", "purchase_method": "purchase"}
        )
        env["control.approval.rule"].search([]).active = False
        # The purchase's requester (admin) is not the one who posts its bill.
        buyer = env.ref("base.user_admin")

        def post_payment():
            payment = env["account.payment"].create(
                {
                    "payment_type": "outbound",
                    "partner_type": "supplier",
                    "partner_id": partner.id,
                    "amount": 10.0,
                }
            )
            return measure(env, payment.action_post)

        def post_bill():
            order = (
                env["purchase.order"]
                .with_user(buyer)
                .create(
                    {
                        "partner_id": partner.id,
                        "user_id": buyer.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "product_qty": 1,
                                    "price_unit": 10,
                                }
                            )
                        ],
                    }
                )
            )
            order.button_confirm()
            order = order.with_env(env)
            order.action_create_invoice()
            bill = order.invoice_ids
            bill.invoice_date = bill.date
            return measure(env, bill.action_post)

        for work, post in (
            ("post one outgoing payment", post_payment),
            ("post one vendor bill of a purchase order", post_bill),
        ):
            figures = {}
            for on in (False, True):
                company.write(
                    {"sod_bill_payment": on, "sod_bank_payment": on, "sod_po_bill": on}
                )
                post()
                runs = sorted(post()[1:] for _run in range(3))
                figures[on] = runs[0][0], runs[1][1] * 1000
            rows.append(
                (
                    work,
                    figures[False][0],
                    figures[True][0],
                    f"{figures[True][0] - figures[False][0]:+d}",
                    figures[False][1],
                    figures[True][1],
                )
            )
    return rows


def main():
    init_odoo()
    report(
        "Segregation of duties: the matrix, the report and the grant check",
        matrix_and_grants(),
        ["work", "queries", "ms"],
    )
    report(
        "Transaction rules at posting (sod_bill_payment, sod_bank_payment, "
        "sod_po_bill): off against on, nothing to refuse",
        payments(),
        ["work", "queries off", "queries on", "diff", "ms off", "ms on"],
    )


if __name__ == "__main__":
    main()
