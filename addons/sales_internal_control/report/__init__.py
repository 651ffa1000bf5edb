from . import control_sales_analysis
