from odoo import api, models


class ControlRuleCacheMixin(models.AbstractModel):
    """Rules whose active ids are cached (``tools.ormcache``) for the checks
    that run at every confirmation: any change of a rule clears the cache,
    in every worker (Odoo's registry signalling)."""

    _name = "control.rule.cache.mixin"
    _description = "Cached Rules Mixin"

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        self.env.registry.clear_cache()
        return rules

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
