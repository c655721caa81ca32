"""Only the audit administrator reads the audit trail (三员分立, R-S2)."""

import rules

from spotcheck.accounts.predicates import is_audit_admin

rules.add_perm("audit.view_auditevent", is_audit_admin)
