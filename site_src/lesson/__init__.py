"""Stage 1, lesson: read and check lessons without running them.

In: the files of ``lessons/<NN-slug>/`` and ``pyproject.toml``'s pins. Out: ``Lesson`` and
``LessonBlock`` values (each block tagged with its file:line) and ``Problem`` lists that name
file:line and what to do. Imports nothing of the other stages.

- ``lessons``   finds lesson folders and reads their front matter;
- ``pins``      reads the pinned, oldest and newest torch (and the other pins) from pyproject.toml;
- ``problems``  the ``Problem`` / ``LessonError`` every check reports with;
- ``extract``   turns a lesson file into code blocks (with their ``#|`` options) and a runnable module;
- ``parity``    checks that the zh and en files hold the same code;
- ``links``     checks links, anchors, images and figure alt text;
- ``glue``      binds ``{{ name }}`` in the prose to values the run recorded (``#| glue:``);
- ``translations`` pairs the zh and en prose by section and flags a section whose one side
                  changed since ``lessons/translations.json`` last marked them in sync;
- ``requirements`` what a lesson needs installed (its imports, at the pinned versions);
- ``checks``    runs every check that needs no run, in one pass;
- ``glossary``  reads the glossary; ``new`` scaffolds a lesson in both languages.
"""
