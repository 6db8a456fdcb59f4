"""Hands-on PyTorch: the pipeline that turns lessons into a tested, bilingual site.

One package per stage, the data flowing downward only (tests/test_layering.py keeps it so):

- ``lesson/``  read and check lessons without running them;
- ``run/``     run them in the sandbox, judge them, keep their records (imports ``lesson``);
- ``site/``    turn records into pages and builds (imports ``lesson``, ``run``);
- ``upkeep/``  what maintainers run: bench, mutate, shards (imports any);
- ``cli``      the command line on top: ``python -m site_src extract|run|check|build|…``.

Each package's docstring names its modules and what flows in and out.
"""
