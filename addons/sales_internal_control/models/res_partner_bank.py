from odoo import api, models


class ResPartnerBank(models.Model):
    _inherit = "res.partner.bank"

    @api.model_create_multi
    def create(self, vals_list):
        banks = super().create(vals_list)
        for bank in banks:
            bank.partner_id._bank_account_changed(False, bank.acc_number, bank)
        return banks

    def write(self, vals):
        if "acc_number" not in vals and "partner_id" not in vals:
            return super().write(vals)
        before = {bank: (bank.partner_id, bank.acc_number) for bank in self}
        result = super().write(vals)
        for bank, (partner, number) in before.items():
            if partner != bank.partner_id:
                partner._bank_account_changed(number, False, bank)
                bank.partner_id._bank_account_changed(False, bank.acc_number, bank)
            elif number != bank.acc_number:
                partner._bank_account_changed(number, bank.acc_number, bank)
        return result

    def unlink(self):
        for bank in self:
            bank.partner_id._bank_account_changed(bank.acc_number, False, bank)
        return super().unlink()
