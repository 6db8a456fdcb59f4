# The lesson collector: each lesson folder becomes pytest items (see site_src/pytest_plugin.py).
pytest_plugins = ["site_src.pytest_plugin"]
