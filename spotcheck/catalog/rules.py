"""Permissions of the item list (see ``accounts.predicates`` for the scoping rules).

A department admin keeps their own department's power list and items and files the list;
planners and inspectors read their own department's list; the office and the justice
bureau read every department of their division and receive the filings (R-L2). The public
reads filed lists without signing in (a page with no permission). Enterprises and the three
administrators have no access to the working lists.
"""

import rules

from spotcheck.accounts.predicates import (
    in_own_department,
    in_own_division,
    is_dept_admin,
    is_own_department_job,
    is_planner,
    is_reviewer,
    reads_department_data,
)

keeps_list = is_dept_admin & in_own_department

rules.add_perm("catalog.view_item", reads_department_data)
rules.add_perm("catalog.change_item", keeps_list)
rules.add_perm("catalog.import_items", keeps_list)
rules.add_perm("catalog.view_import", is_dept_admin & is_own_department_job)
rules.add_perm("catalog.view_powerentry", reads_department_data)
rules.add_perm("catalog.change_powerentry", keeps_list)
rules.add_perm("catalog.file_list", keeps_list)
rules.add_perm("catalog.view_filing",
               ((is_dept_admin | is_planner) & in_own_department) | (is_reviewer & in_own_division))
