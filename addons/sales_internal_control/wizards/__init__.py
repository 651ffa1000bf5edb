from . import control_approval_reason
from . import control_log_export
