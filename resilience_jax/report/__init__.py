"""Reports: pandas tables, text formats and figures built from results (labels are attached here)."""
