"""Database models, one module per concept."""
from app.models.assessment import Answer, Assessment
from app.models.audit import AuditEvent
from app.models.evidence import Evidence, EvidenceLink
from app.models.imported_scheme import ImportedScheme
from app.models.login_attempt import LoginAttempt
from app.models.mail import MailPreference, OutboxMail, PasswordReset
from app.models.period import Period
from app.models.province import Province, ProvincePlugin
from app.models.snapshot import PublicationSnapshot, PublishedPlace
from app.models.unit import Unit
from app.models.unit_work import MonthlyReport, OfficeAssignment, Participation
from app.models.user import User
from app.models.workflow import ApiToken, AppraiserScope, Notification, Publication, Question

__all__ = ["Answer", "ApiToken", "AppraiserScope", "Assessment", "AuditEvent", "Evidence",
           "EvidenceLink", "ImportedScheme", "LoginAttempt", "MailPreference", "MonthlyReport", "Notification",
           "OfficeAssignment", "OutboxMail", "Participation", "PasswordReset", "Period", "Province",
           "ProvincePlugin", "Publication", "PublicationSnapshot", "PublishedPlace", "Question",
           "Unit", "User"]
