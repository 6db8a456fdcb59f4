"""Hands-on PyTorch: the pipeline that turns lessons into a tested, bilingual site.

One module per stage:

- ``lessons``   finds lesson folders and reads their front matter;
- ``extract``   turns a lesson file into code blocks and a runnable module;
- ``parity``    checks that the zh and en files hold the same code;
- ``links``     checks links, anchors, images and figure alt text;
- ``glue``      binds ``{{ name }}`` in the prose to values the run recorded (``#| glue:``);
- ``checks``    runs every check that needs no run, in one pass;
- ``runner``    runs one lesson's blocks in a child process and reports what each did;
- ``channel``   carries those reports to the parent: framed JSON over an inherited pipe;
- ``sandbox``   makes the bubblewrap sandbox the child runs in (or says why it cannot);
- ``run``       starts that child in a temp dir unless the record is fresh, enforces the limits;
- ``warm``      keeps a sandboxed interpreter with torch imported that forks that child instead;
- ``verdict``   judges each block from its reported facts, in the parent;
- ``records``   stores those recordings, keyed by a hash of what produced them;
- ``datasets``  writes real data files (MNIST) offline where the libraries look for them;
- ``render``    puts recorded outputs under the blocks (Markdown) or into notebooks;
- ``downloads`` builds each lesson's ``.py`` and ``.ipynb`` downloads;
- ``notebook_html``, ``mathjax`` tidy notebook pages and typeset math at build time;
- ``mkdocs_hooks`` wires the above into MkDocs; ``site`` builds and serves both languages;
- ``incremental`` lets a ``preview`` build of one language reuse what the last one made;
- ``pytest_plugin`` / ``pytest_items`` wire ``run`` into pytest;
- ``compare``   checks that a GPU run printed the CPU run's numbers, that a warm run recorded what a cold
  one does, and reports what the newest torch changed;
- ``pins``      reads the pinned, oldest and newest torch (and the other pins) from pyproject.toml;
- ``shards``    deals the lessons to CI's shards by their recorded durations;
- ``preview``, ``new``, ``glossary``, ``page_weight``, ``bench``, ``mutate`` serve contributors and maintainers;
- ``cli``       the command line: ``python -m site_src extract|run|check|build|serve|…``.
"""
