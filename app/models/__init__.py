"""Database models, one module per concept."""
from app.models.period import Period
from app.models.province import Province, ProvincePlugin
from app.models.unit import Unit
from app.models.user import User

__all__ = ["Period", "Province", "ProvincePlugin", "Unit", "User"]
