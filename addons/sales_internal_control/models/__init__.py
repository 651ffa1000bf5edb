from . import control_log
from . import res_company
from . import res_config_settings
