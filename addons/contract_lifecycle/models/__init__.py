from . import res_company
from . import res_config_settings
from . import control_approval_rule
from . import contract_contract
from . import contract_milestone
from . import sale_order
from . import account_move
