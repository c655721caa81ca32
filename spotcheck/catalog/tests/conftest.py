from spotcheck.roster.tests.conftest import on_day

__all__ = ["on_day"]
