"""The version xltool reports (report.json, `xltool --version`)."""

__version__ = "0.1.0"
