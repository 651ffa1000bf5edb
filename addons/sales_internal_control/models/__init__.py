from . import control_log
from . import control_xlsx_export
from . import account_move
from . import res_company
from . import res_config_settings
