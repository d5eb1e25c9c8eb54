"""Database models, one module per concept."""
from app.models.assessment import Answer, Assessment
from app.models.audit import AuditEvent
from app.models.evidence import Evidence, EvidenceLink
from app.models.period import Period
from app.models.province import Province, ProvincePlugin
from app.models.unit import Unit
from app.models.user import User

__all__ = ["Answer", "Assessment", "AuditEvent", "Evidence", "EvidenceLink", "Period",
           "Province", "ProvincePlugin", "Unit", "User"]
