from odoo import models
from odoo.exceptions import ValidationError

from .control_tools import INT4_MAX, INT4_MIN, check_finite, is_finite_number

NUMBER_TYPES = ("float", "monetary", "integer")


class ControlFiniteMixin(models.AbstractModel):
    """Refuse non-finite numbers on every numeric field, with a clear message.

    Odoo rounds monetary values and values with digits, and converts integers,
    before any ``@api.constrains`` runs: NaN or infinity (or ``"nan"``) end in
    a ``ValueError`` or ``OverflowError`` traceback there, or are stored
    (floats without digits) and then pass every bound. The values of
    ``create`` are checked with the defaults Odoo adds (``default_*`` context
    keys, saved defaults), those of ``write`` as given.

    List it before the mixins that read the values (``control.guarded.mixin``
    and so ``control.approval.mixin``) in ``_inherit``, so that it runs first.
    """

    _name = "control.finite.mixin"
    _description = "Finite Numbers Mixin"

    def _prepare_create_values(self, vals_list):
        # The values given and the defaults of the context first (Odoo
        # converts these while it adds them), then everything with the saved
        # defaults.
        defaults = {
            key[8:]: value
            for key, value in self.env.context.items()
            if key.startswith("default_") and key[8:] in self._fields
        }
        for vals in vals_list:
            self._check_finite_vals(dict(defaults, **vals))
        result = super()._prepare_create_values(vals_list)
        for vals in result:
            self._check_finite_vals(vals)
        return result

    def write(self, vals):
        self._check_finite_vals(vals)
        return super().write(vals)

    def _check_finite_vals(self, vals):
        for fname, value in vals.items():
            field = self._fields.get(fname)
            if (
                field is None
                or field.type not in NUMBER_TYPES
                or value is None
                or isinstance(value, bool | dict)  # False: empty (0); an inverse
            ):
                continue
            try:  # as Odoo converts them: numeric strings (XML-RPC), Decimal
                number = float(value)
            except (TypeError, ValueError, OverflowError):
                number = value  # not a number (or an int too big): refused below
            if is_finite_number(number) and (
                field.type != "integer" or INT4_MIN <= number <= INT4_MAX
            ):
                continue
            # Names only now: no query for the values that are fine.
            label = field._description_string(self.env)
            record_name = self._finite_record_name(vals)
            check_finite(self.env, number, label, record_name)
            raise ValidationError(
                self.env._(
                    "%(record)s: %(label)s %(value)s is out of range.",
                    record=record_name,
                    label=label,
                    value=value,
                )
            )

    def _finite_record_name(self, vals):
        """Name of the records written, or of the record created from ``vals``,
        in the messages (a hook: models without a name say more)."""
        if self:
            names = self.mapped("display_name")
            return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        name = vals.get(self._rec_name) if self._rec_name else None
        return name if isinstance(name, str) and name else self._description
