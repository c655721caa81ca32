from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import Case, roles

CASES = [
    Case("audit:events", roles(Role.AUDIT_ADMIN)),
    Case("api:audit-events", roles(Role.AUDIT_ADMIN)),
]
