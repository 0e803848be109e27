"""A market day under load (issue 19): locust steps the users up against gunicorn, a real Celery
worker and Redis until the knee; then each operation alone gives its server CPU, and from the
knee's mix the ceiling two cores could serve; then a soak at 80 % of the knee, and on
PostgreSQL a stretch of faults under the same load.

- sizes: the knobs (`Sizes`) and fixed figures;
- pool: the photo pool, made before the run;
- world: the world, and a sequential client making whole submissions;
- steps: locust in a process of its own (locustfile.py), each step's figures, the knee;
- ceiling: each operation alone, its server CPU;
- soak: the soak and its fault stretch (faults.py: the faults and the checks after them);
- run: a backend's market day, and both backends' (`run_both`)."""

from bench.load.run import run_both
from bench.load.sizes import Sizes

__all__ = ["Sizes", "run_both"]
