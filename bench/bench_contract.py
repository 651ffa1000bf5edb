"""Contract amounts and checks: queries do not grow with the number of contracts.

Creates N signed contracts (50 of them with a posted invoice), then measures
reading amount_invoiced / amount_remaining / amount_paid for all of them, the
daily cron (risk levels), and posting one more invoice under a contract.
Then, on one contract with 10, 100 and 1,000 milestones (half of them overdue,
the others invoiced), posting an invoice naming a milestone, and the daily
cron with 10 to 1,000 contracts each with an overdue milestone.
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


def _invoice_vals(partner, contract, price, milestone=None):
    return {
        "move_type": "out_invoice",
        "partner_id": partner.id,
        "contract_id": contract.id,
        "contract_milestone_id": milestone.id if milestone else False,
        "invoice_date": date.today(),
        "invoice_line_ids": [
            Command.create(
                {
                    "name": "Milestone",
                    "quantity": 1,
                    "price_unit": price,
                    "tax_ids": [Command.clear()],
                }
            )
        ],
    }


def _milestone_setup(env, count):
    env["control.approval.rule"].search([]).active = False
    env.company.invoice_requires_sale_order = False
    partner = env["res.partner"].create({"name": "Bench Milestone Customer"})
    today = date.today()
    contract = env["contract.contract"].create(
        {
            "partner_id": partner.id,
            "amount_total": 100.0 * count,
            "date_start": today - timedelta(days=count),
            "date_end": today + timedelta(days=count),
            "milestone_ids": [
                Command.create(
                    {
                        "name": f"M{i}",
                        "date_due": today + timedelta(days=i - count // 2),
                        "amount": 100.0,
                    }
                )
                for i in range(count)
            ],
        }
    )
    contract.write({"state": "active"})
    invoices = env["account.move"].create(
        [
            _invoice_vals(partner, contract, 100.0, milestone)
            for milestone in contract.milestone_ids[count // 2 :]
        ]
    )
    invoices.action_post()
    return partner, contract


def _cron_setup(env, count):
    env["control.approval.rule"].search([]).active = False
    partner = env["res.partner"].create({"name": "Bench Overdue Customer"})
    today = date.today()
    contracts = env["contract.contract"].create(
        [
            {
                "partner_id": partner.id,
                "amount_total": 100.0,
                "date_start": today - timedelta(days=60),
                "date_end": today + timedelta(days=300),
                "milestone_ids": [
                    Command.create(
                        {
                            "name": "Late",
                            "date_due": today - timedelta(days=5),
                            "amount": 100.0,
                        }
                    )
                ],
            }
            for _ in range(count)
        ]
    )
    contracts.write({"state": "active"})


def main_milestones():
    rows = []
    for count in (10, 100, 1000):
        with bench_env() as env:
            partner, contract = _milestone_setup(env, count)
            invoice = env["account.move"].create(
                _invoice_vals(partner, contract, 50.0, contract.milestone_ids[0])
            )
            plain = env["account.move"].create(_invoice_vals(partner, contract, 50.0))
            _r, q_plain, s_plain = measure(env, plain.action_post)
            _r, q_post, s_post = measure(env, invoice.action_post)
            _r, q_cron, s_cron = measure(
                env, env["contract.contract"]._cron_contract_lifecycle
            )
            rows.append((count, q_plain, s_plain, q_post, s_post, q_cron, s_cron))
    report(
        "Contract milestones: posting an invoice (without / naming a milestone) "
        "and the daily cron, one contract with N milestones",
        rows,
        [
            "milestones",
            "post q",
            "post s",
            "post+milestone q",
            "post+milestone s",
            "cron q",
            "cron s",
        ],
    )
    rows = []
    for count in (10, 100, 1000):
        with bench_env() as env:
            _cron_setup(env, count)
            contract = env["contract.contract"]
            measure(env, contract._cron_contract_lifecycle)
            _r, q_cron, s_cron = measure(env, contract._cron_contract_lifecycle)
            rows.append((count, q_cron, s_cron))
    report(
        "Daily contract cron (second run), N contracts with an overdue milestone",
        rows,
        ["contracts", "cron q", "cron s"],
    )


def main():
    init_odoo()
    main_milestones()
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
