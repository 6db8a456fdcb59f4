"""Hands-on PyTorch: the pipeline that turns lessons into a tested, bilingual site.

One module per stage:

- ``lessons``  finds lesson folders and reads their front matter;
- ``extract``  turns a lesson file into code blocks and a runnable module;
- ``parity``   checks that the zh and en files hold the same code;
- ``runner``   runs one lesson's blocks in a child process and records what they print;
- ``records``  stores those recordings, keyed by a hash of what produced them;
- ``render``   puts recorded outputs under the blocks (Markdown) or into notebooks;
- ``mkdocs_hooks`` wires ``render`` into MkDocs; ``pytest_plugin`` wires ``runner`` into pytest;
- ``cli``      the command line: ``python -m site_src extract|run|check|build|serve``.
"""
