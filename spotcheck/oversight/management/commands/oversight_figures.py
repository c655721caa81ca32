from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from spotcheck.accounts.models import Division
from spotcheck.core import clock


class Command(BaseCommand):
    help = ("重新统计监督看板的全库数据（C 类、A 类库、负担台账、合并检查）。 "
            "Count a division's kept dashboard figures of a year again "
            "(the city and its counties by default).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--division", help="行政区划代码（默认：本市及各区县）")
        parser.add_argument("--year", type=int, help="年度（默认：当前计划年度）")

    def handle(self, *args: Any, **options: Any) -> None:
        from spotcheck.oversight.services import figures_refresh

        year = options["year"] or clock.planning_year(clock.today())
        code = options["division"]
        qs = (Division.objects.filter(pk=code) if code else
              Division.objects.filter(Q(pk=settings.SPOTCHECK_CITY) | Q(parent_id=settings.SPOTCHECK_CITY)))
        divisions = list(qs.order_by("code"))
        if not divisions:
            raise CommandError(f"没有行政区划“{code}”。")
        for division in divisions:
            kept = figures_refresh(division, year)
            self.stdout.write(f"{division.name} {year}：C 类 {kept.class_c_inspected}/{kept.class_c_total}，"
                              f"A 类 {kept.class_a_population}，统计于 "
                              f"{timezone.localtime(kept.computed_at):%Y-%m-%d %H:%M}")
