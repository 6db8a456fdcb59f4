"""The file that mkdocs.yml's ``hooks:`` names; the hooks themselves are in ``mkdocs_hooks.py``.

MkDocs loads a hooks file by its path, as a top-level module outside any package, so that
file cannot use the relative imports the rest of ``site_src`` uses. This one imports the
package's hooks module by its full name (the only absolute import of ``site_src``) and hands
MkDocs its event functions, priorities included.
"""

from site_src.site.mkdocs_hooks import (  # noqa: F401 — MkDocs finds the hooks by these names
    on_config,
    on_env,
    on_files,
    on_page_content,
    on_page_context,
    on_page_markdown,
    on_post_build,
    on_pre_build,
)
