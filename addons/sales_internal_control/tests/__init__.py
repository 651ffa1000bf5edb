from . import test_control_log
