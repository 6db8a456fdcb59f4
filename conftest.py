# The lesson collector: each lesson folder becomes pytest items (see site_src/run/pytest_plugin.py).
pytest_plugins = ["site_src.run.pytest_plugin"]
