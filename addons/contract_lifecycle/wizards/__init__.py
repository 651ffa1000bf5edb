from . import contract_terminate_wizard
