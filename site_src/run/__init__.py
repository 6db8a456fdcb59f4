"""Stage 2, run: run lessons in the sandbox, judge them, keep and compare their records.

In: lessons and blocks from ``lesson``. Out: ``build/records/<slug>/`` (record.json, figures,
published outputs) and pytest items whose failures name the lesson's file:line. Imports
``lesson`` only.

- ``sandbox``    makes the bubblewrap sandbox a lesson runs in (or says why it cannot);
- ``runner``     the child: runs one lesson's blocks and reports what each did;
- ``channel``    carries those reports to the parent: framed JSON over an inherited pipe;
- ``parent``     the parent: starts the child in a temp dir unless the record is fresh, enforces
  the limits, and judges with ``verdict``;
- ``publish``    decides and copies what a run may publish: figures, files in ``outputs/``;
- ``warm``       keeps a sandboxed interpreter with torch imported that forks the child instead;
- ``verdict``    judges each block from its reported facts, in the parent;
- ``records``    stores those recordings, keyed by a hash of what produced them;
- ``datasets``   writes real data files (MNIST) offline where the libraries look for them;
- ``compare``    GPU against CPU, warm against cold, newest torch against the pin;
- ``pytest_plugin`` (hooks) and ``pytest_items`` (the items) wire ``parent`` into pytest.
"""
