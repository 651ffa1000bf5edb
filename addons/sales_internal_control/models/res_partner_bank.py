"""Bank account numbers masked but their last 4 digits for users without
accounting rights, wherever they read them.

The numbers are masked where the ORM puts them in the cache for such a user
(:meth:`_fetch_query`, as Odoo masks passwords in ``res.users``) and again
where values leave the server (``read`` and the web client's ``web_read``
through :meth:`_read_format`, exports through :meth:`_export_rows`, grouped
reads through :meth:`_read_group`), so that a value another environment put
in the cache earlier is not shown either. The superuser environment (``sudo``)
reads the real numbers: payments, the anomaly detectors (which read the
database with SQL) and this module's checks. ``display_name`` is a label for
the human user: it is masked by the user of the environment, in ``sudo`` too
(Odoo computes the names of many2one values in ``sudo`` for the web client).
"""

from odoo import api, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL

# Fields that show the number.
MASKED_FIELDS = ("acc_number", "sanitized_acc_number")
# Holding any of these groups is "accounting rights": Billing (invoices and
# payments: they pay to the numbers) or Read-only accounting (auditors).
ACCOUNTING_GROUPS = ("account.group_account_invoice", "account.group_account_readonly")
MASK_CHAR = "*"


def mask_number(number):
    """The number without spaces, all but its last 4 characters replaced by
    ``*`` (idempotent: a masked number masks to itself)."""
    if not number:
        return number
    number = number.replace(" ", "")
    return MASK_CHAR * max(len(number) - 4, 0) + number[-4:]


class ResPartnerBank(models.Model):
    """Changes of the numbers are tracked on the partner (chatter, control
    log); the numbers are masked for users without accounting rights."""

    _inherit = "res.partner.bank"

    @api.model_create_multi
    def create(self, vals_list):
        self._bank_check_number_values(vals_list)
        banks = super().create(vals_list)
        for bank in banks:
            bank.partner_id._bank_account_changed(False, bank.acc_number, bank)
        return banks

    def write(self, vals):
        unmasked = self._bank_ignore_mask(vals)
        if unmasked is not vals and not unmasked:
            return True  # only the mask of the number: nothing to write
        vals = unmasked
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

    # ------------------------------------------------------------ who and what
    @api.model
    def _bank_numbers_masked(self):
        """Whether the user of the environment sees masked numbers (whatever
        ``sudo``: callers decide whether the superuser mode reads them)."""
        user = self.env.user
        if user._is_superuser():
            return False
        return not any(user.has_group(group) for group in ACCOUNTING_GROUPS)

    @api.model
    @tools.ormcache()
    def _bank_company_partner_ids(self):
        """Partners of the companies: their own accounts are printed on every
        invoice (and in its payment QR code), they are not masked."""
        companies = (
            self.env["res.company"].sudo().with_context(active_test=False).search([])
        )
        return frozenset(companies.partner_id.ids)

    def _bank_mask_targets(self):
        company_partners = self._bank_company_partner_ids()
        return self.filtered(lambda bank: bank.partner_id.id not in company_partners)

    def _bank_mask_cache(self, field_names):
        """Replace the numbers of these accounts in the cache by their masks
        (values about to be written, not flushed yet, are left alone)."""
        names = [name for name in MASKED_FIELDS if name in field_names]
        if not names or not self:
            return
        targets = self._bank_mask_targets()
        cache = self.env.cache
        for name in names:
            field = self._fields[name]
            dirty = cache.get_dirty_records(targets, field)
            records = (targets - dirty).filtered(
                lambda bank, field=field: cache.contains(bank, field)
            )
            if records:
                cache.update(
                    records,
                    field,
                    [mask_number(cache.get(bank, field)) for bank in records],
                )

    def _bank_must_mask(self):
        return not self.env.su and self._bank_numbers_masked()

    # ------------------------------------------------------------ reading
    def _fetch_query(self, query, fields):
        records = super()._fetch_query(query, fields)
        names = {field.name for field in fields}.intersection(MASKED_FIELDS)
        if names and records and self._bank_must_mask():
            records._bank_mask_cache(names)
        return records

    def _read_format(self, fnames, load="_classic_read"):
        if self._bank_must_mask() and not set(fnames).isdisjoint(MASKED_FIELDS):
            self.fetch([name for name in MASKED_FIELDS if name in fnames])
            self._bank_mask_cache(fnames)
        return super()._read_format(fnames, load=load)

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        names = {path[0] for path in fields if path}
        if self._bank_must_mask() and not names.isdisjoint(MASKED_FIELDS):
            self.fetch([name for name in MASKED_FIELDS if name in names])
            self._bank_mask_cache(names)
        return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)

    @api.model
    def _read_group(
        self,
        domain,
        groupby=(),
        aggregates=(),
        having=(),
        offset=0,
        limit=None,
        order=None,
    ):
        rows = super()._read_group(
            domain, groupby, aggregates, having, offset, limit, order
        )
        specs = list(groupby) + list(aggregates)
        positions = [
            index
            for index, spec in enumerate(specs)
            if spec.split(":")[0].split(".")[0] in MASKED_FIELDS
        ]
        if not positions or not self._bank_must_mask():
            return rows
        masked_rows = []
        for row in rows:
            row = list(row)
            for index in positions:
                value = row[index]
                if isinstance(value, str):
                    row[index] = mask_number(value)
                elif isinstance(value, list | tuple):
                    row[index] = [
                        mask_number(item) if isinstance(item, str) else item
                        for item in value
                    ]
            masked_rows.append(tuple(row))
        return masked_rows

    @api.depends_context("uid")
    def _compute_display_name(self):
        super()._compute_display_name()
        if not self._bank_numbers_masked():
            return
        for bank in self._bank_mask_targets():
            number = bank.acc_number
            if number and bank.display_name:
                bank.display_name = bank.display_name.replace(
                    number, mask_number(number)
                )

    # ------------------------------------------------------------ writing
    def _bank_check_number_values(self, vals_list):
        """A masked number written back never replaces the real one: the
        mask of the stored number is ignored, any other value holding the mask
        character is refused."""
        for vals in vals_list:
            number = vals.get("acc_number")
            if isinstance(number, str) and MASK_CHAR in number:
                raise ValidationError(
                    self.env._(
                        "Bank account number %(number)s holds the mask character "
                        "%(char)s: type the whole number (partner %(partner)s).",
                        number=number,
                        char=MASK_CHAR,
                        partner=self.env["res.partner"]
                        .browse(vals.get("partner_id"))
                        .exists()
                        .display_name
                        or ", ".join(self.partner_id.mapped("display_name"))
                        or "-",
                    )
                )

    def _bank_ignore_mask(self, vals):
        """``vals`` without the number if it is the mask of the stored one
        (the form of a user who sees masks sends it back: nothing changes)."""
        number = vals.get("acc_number")
        if not (isinstance(number, str) and MASK_CHAR in number and self):
            return vals
        self.flush_recordset(["acc_number"])
        self.env.cr.execute(
            SQL(
                "SELECT acc_number FROM res_partner_bank WHERE id = ANY(%s)",
                self.ids,
            )
        )
        stored = {mask_number(row[0]) for row in self.env.cr.fetchall()}
        if stored != {mask_number(number)}:
            self._bank_check_number_values([vals])
        vals = dict(vals)
        del vals["acc_number"]
        return vals
