"""Stage 4, upkeep: what maintainers run. May import any stage.

- ``bench``    timings of the pipeline (``make bench``; ``--scale N``: beside a course N times the size);
- ``scale``    copies a throw-away course N times over, coherent enough to check and build;
- ``lighthouse``  how fast lesson pages load on a phone: Lighthouse on the built site served with gzip
  (``make lighthouse``);
- ``mutate``   mutation testing of the modules whose bugs would publish a wrong page;
- ``shards``   deals the lessons to CI's shards by their recorded durations;
- ``newest_check``  did the weekly run install the index's newest torch? (newest.yml, plain script);
- ``runner_check``  is the GPU runner an Ubuntu 24.04+ VM with bubblewrap 0.8+ and driver 580+? (gpu.yml,
  plain script).
"""
