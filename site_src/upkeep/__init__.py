"""Stage 4, upkeep: what maintainers run. May import any stage.

- ``bench``    timings of the pipeline (``make bench``);
- ``mutate``   mutation testing of the modules whose bugs would publish a wrong page;
- ``shards``   deals the lessons to CI's shards by their recorded durations.
"""
