"""`gunicorn benchmarks.wsgi:app`: the application as ./wsgi.py builds it, plus the benchmark
provinces' schemes, which live in memory only (benchmarks/scheme.py), not in a plugin."""
import gc

from sqlalchemy import select

from app import create_app, tenancy
from app.extensions import db
from app.models import Province
from benchmarks.scheme import install

app = create_app()
with app.app_context(), tenancy.unscoped():
    provinces = db.session.scalars(select(Province.code).where(Province.code.like("bench%"))).all()
    db.session.remove()
install(app.extensions["chiso"], provinces)
gc.collect()
gc.freeze()  # as ./wsgi.py does, and for the same reason: see there
