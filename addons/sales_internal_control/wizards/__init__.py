from . import control_log_export
