"""Cost of the approval engine when sale orders are confirmed.

Confirms 200 sale orders (one batch call, then one order alone) with no
rule, 1 rule and 20 rules (none of which applies, so every order is
confirmed: this measures the evaluation), and with 10 vs 10,000 approval
requests already in the database. Plain Odoo (without the addons) gives the
baseline. The query count of one confirmation must not depend on the number
of existing requests.
"""

from common import bench_env, init_odoo, measure, report

from odoo import Command

ORDERS = 200


def make_orders(env, count):
    partner = env["res.partner"].create({"name": "Bench Customer"})
    product = env["product.product"].create({"name": "Bench Item", "list_price": 10})
    return env["sale.order"].create(
        [
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 2})
                ],
            }
            for _ in range(count)
        ]
    )


def make_rules(env, count):
    env["control.approval.rule"].search([]).active = False
    group = env.ref("sales_team.group_sale_manager")
    env["control.approval.rule"].create(
        [
            {
                "name": f"Bench rule {index}",
                "model_name": "sale.order",
                "amount_min": 1_000_000 + index,
                "domain": "[('partner_id.name', 'ilike', 'Bench')]"
                if index % 2
                else "[]",
                "tier_ids": [Command.create({"name": "Manager", "group_id": group.id})],
            }
            for index in range(count)
        ]
    )


def make_requests(env, count):
    """Insert ``count`` decided requests of other documents in one query."""
    env.cr.execute(
        """
        INSERT INTO control_approval_request
            (res_model, res_id, res_name, sequence, tier_name, state, active,
             requested_by_id, amount, company_id, create_date, write_date)
        SELECT 'sale.order', 1000000 + n, 'Old order ' || n, 1, 'Manager',
               'approved', true, %s, 100, %s, now(), now()
          FROM generate_series(1, %s) AS n
        """,
        [env.uid, env.company.id, count],
    )


def scenario(rules, requests, plain=False):
    with bench_env(plain=plain) as env:
        if not plain:
            make_rules(env, rules)
            make_requests(env, requests)
        orders = make_orders(env, ORDERS + 1)
        single, batch = orders[:1], orders[1:]
        _res, batch_queries, batch_seconds = measure(env, batch.action_confirm)
        _res, one_queries, one_seconds = measure(env, single.action_confirm)
        assert set(orders.mapped("state")) == {"sale"}
        return batch_queries, batch_seconds, one_queries, one_seconds


def main():
    init_odoo()
    scenario(0, 0, plain=True)  # warm-up: registries, caches
    scenario(0, 0)
    rows = []
    for label, rules, requests, plain in (
        ("plain Odoo", 0, 0, True),
        ("no rule, 10 requests", 0, 10, False),
        ("1 rule, 10 requests", 1, 10, False),
        ("20 rules, 10 requests", 20, 10, False),
        ("20 rules, 10,000 requests", 20, 10_000, False),
    ):
        rows.append((label, *scenario(rules, requests, plain)))
    report(
        f"Confirming {ORDERS} sale orders in one call, then one order alone",
        rows,
        ["case", "batch queries", "batch s", "1 order queries", "1 order s"],
    )


if __name__ == "__main__":
    main()
