"""Stage 3, site: turn records into pages and builds.

In: lessons from ``lesson``, records from ``run``. Out: ``site/`` (zh at ``/``, en at ``/en/``)
with each block's recorded outputs, the downloads, typeset math. Imports ``lesson`` and ``run``.

- ``render``        puts recorded outputs under the blocks (Markdown) or into notebooks;
- ``downloads``     builds each lesson's ``.py`` and ``.ipynb`` downloads;
- ``notebook_html``, ``mathjax``  tidy notebook pages and typeset math at build time;
- ``code_spans``    takes the highlight spans that change nothing on screen out of code;
- ``mkdocs_hooks``  wires the above into MkDocs (loaded through ``mkdocs_entry``);
- ``build``         builds and serves both languages;
- ``print_view``    the print page of each language: the whole course in order, for Print → PDF;
- ``offline``       ``python -m site_src offline``: each language built again for ``file://``, zipped
  into ``site/downloads/``;
- ``pdf``           ``python -m site_src pdf``: the print pages printed by Chromium into ``site/downloads/``;
- ``incremental``   lets a preview build of one language reuse what the last one made;
- ``preview``       ``make preview``: re-run and rebuild on save, reload the tab (``preview.js``);
- ``page_weight``   each lesson page's bytes;
- ``overrides/``    the Material theme overrides (language switch, lesson header, 404).
"""
