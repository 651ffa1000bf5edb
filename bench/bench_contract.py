"""Contract amounts and checks: queries do not grow with the number of contracts.

Creates N signed contracts (50 of them with a posted invoice), then measures
reading amount_invoiced / amount_remaining / amount_paid for all of them, the
daily cron (risk levels), and posting one more invoice under a contract.
Everything is rolled back.
"""

from datetime import date, timedelta

from common import bench_env, init_odoo, measure, report

from odoo import Command


def _setup(env, count):
    env["control.approval.rule"].search([]).active = False
    company = env.company
    company.invoice_requires_sale_order = False
    partner = env["res.partner"].create({"name": "Bench Contract Customer"})
    today = date.today()
    contracts = env["contract.contract"].create(
        [
            {
                "partner_id": partner.id,
                "amount_total": 10000.0,
                "date_start": today - timedelta(days=30),
                "date_end": today + timedelta(days=300),
            }
            for _ in range(count)
        ]
    )
    contracts.write({"state": "active"})
    invoices = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "contract_id": contract.id,
                "invoice_date": today - timedelta(days=20),
                "invoice_date_due": today - timedelta(days=5),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Service",
                            "quantity": 1,
                            "price_unit": 100.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
            for contract in contracts[:50]
        ]
    )
    invoices.action_post()
    return partner, contracts


def _read_amounts(contracts):
    return sum(
        c.amount_invoiced + c.amount_remaining + c.amount_paid for c in contracts
    )


def main():
    init_odoo()
    rows = []
    for count in (10, 100, 500):
        with bench_env() as env:
            partner, contracts = _setup(env, count)
            _total, q_amounts, s_amounts = measure(env, _read_amounts, contracts)
            _r, q_cron, s_cron = measure(
                env, env["contract.contract"]._cron_contract_lifecycle
            )
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "contract_id": contracts[-1].id,
                    "invoice_date": date.today(),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "More",
                                "quantity": 1,
                                "price_unit": 50.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            _r, q_post, s_post = measure(env, invoice.action_post)
            rows.append((count, q_amounts, s_amounts, q_cron, s_cron, q_post, s_post))
    report(
        "Contracts: queries and seconds",
        rows,
        ["contracts", "amounts q", "amounts s", "cron q", "cron s", "post q", "post s"],
    )


if __name__ == "__main__":
    main()
