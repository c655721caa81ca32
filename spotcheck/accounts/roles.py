"""The roles of the platform (DESIGN 'Who uses it'), including 三员分立."""

from django.db import models


class Role(models.TextChoices):
    OFFICE = "office", "联席办工作人员"
    JUSTICE = "justice", "司法局审查人员"
    DEPT_ADMIN = "dept_admin", "部门管理员"
    PLANNER = "planner", "部门计划员"
    INSPECTOR = "inspector", "执法检查人员"
    ENTERPRISE = "enterprise", "企业用户"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "安全审计员"


# Roles that work for a department of government (not the enterprise, not the three admins).
STAFF_ROLES = frozenset({Role.OFFICE, Role.JUSTICE, Role.DEPT_ADMIN, Role.PLANNER, Role.INSPECTOR})
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
