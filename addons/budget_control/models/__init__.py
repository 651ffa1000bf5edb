from . import res_company
from . import res_config_settings
from . import control_budget
from . import control_budget_check_mixin
from . import purchase_order
from . import account_move
from . import account_move_line
