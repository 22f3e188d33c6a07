"""Results to files: scored workbooks, the summary, report.json, templates."""
