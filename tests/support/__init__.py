"""What the tests and the benchmarks build on: never a conftest module.

- factories: factory_boy factories with traits, bound to a test app's session by `make`
- world: bulk-built worlds (many stores and open missions) for tests and benchmarks
- submitting, tus, payouts: talking to the API as a phone or an admin does
- photos: shelf photos and the ways a file can lie about being one
- services, processes, load: a private PostgreSQL and Redis, Celery workers, gunicorn
- tables, locks: emptying the database, probing SQLite's write lock
- fixtures: the pytest plugin (registered by tests/conftest.py) for fixtures shared by folders
"""
