"""WSGI entry point: `flask --app wsgi …` and `gunicorn wsgi:app`."""
import gc

from app import create_app

app = create_app()
# The objects made at start-up (plugins, catalogues, SQLAlchemy's mappers: over 100,000) live as
# long as the worker. Frozen, they are left out of the garbage collector's full collections,
# which otherwise walk them all, tens of milliseconds each, in the middle of some request.
gc.collect()
gc.freeze()
