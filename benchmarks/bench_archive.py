"""Building the files of completed visits (R-S6), against a baseline measured in the same run:
reading each visit's task and item rows (what any file must at least read).

    python benchmarks/bench_archive.py [--tasks 10000] [--pdf-sample 20] [--sqlite]

A fresh PostgreSQL database is created on the server of BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432) and dropped afterwards; ``--sqlite`` uses a temporary
SQLite file instead. One executed draw selects ``tasks`` entities of a department (two
inspectors on each team); ``tasks_from_draw`` makes the tasks with two items each; every
task is completed with results, one evidence photo (stored under a temporary media root) and
its signatures. Then every task's file is built (all parts, the evidence read and checked
against its SM3, the manifest) and zipped; the PDF is rendered for a sample of
``pdf-sample`` files and its time per file printed (WeasyPrint dominates: the export runs it
in the worker).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scratch import scratch_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--pdf-sample", type=int, default=20)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()

    with scratch_database("bench_archive", sqlite=args.sqlite):
        run(args)


def _progress(label: str, done: int, total: int, started: float) -> None:
    if done == total or done % 500 == 0:
        print(f"\r{label}: {done:,}/{total:,} ({time.perf_counter() - started:.0f} s)", end="", flush=True)
        if done == total:
            print()


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from spotcheck.accounts.models import Department, User
    from spotcheck.accounts.services import reference_load
    from spotcheck.catalog.models import InspectionItem, PowerEntry, PowerKind
    from spotcheck.core.crypto import sm3_hex
    from spotcheck.core.domain.uscc import uscc_with_check
    from spotcheck.draws.models import Assignment, Draw, DrawStatus, Selection
    from spotcheck.inspections import archive, services
    from spotcheck.inspections.models import (
        Evidence,
        FormSignature,
        InspectionTask,
        ReviewStatus,
        TaskItem,
        TaskStatus,
    )
    from spotcheck.registry.models import EntityKind, MarketEntity
    from spotcheck.roster.models import Inspector, InspectorKind

    reference_load()
    n = args.tasks
    dept = Department.objects.get(code="361100-ENV")
    MarketEntity.objects.bulk_create(
        [MarketEntity(uscc=uscc_with_check(f"91361100MA{i:07d}"), name=f"企业{i}", kind=EntityKind.COMPANY,
                      legal_rep_name="张三", division_id="361102", industry="F") for i in range(n)],
        batch_size=5000)
    ids = list(MarketEntity.objects.values_list("pk", "uscc").order_by("pk"))
    team = [Inspector.objects.create(certificate_no=f"ZF-B{j}", name=f"检查员{j}", department=dept,
                                     kind=InspectorKind.CIVIL_SERVANT, valid_until="2099-12-31")
            for j in range(2)]
    draw = Draw.objects.create(code="361100-2027-B0001", title="bench", department=dept, division_id="361100",
                               year=2027, classes="B", spec={}, window_start="2027-06-01",
                               window_end="2027-06-30", status=DrawStatus.EXECUTED, files_path="b")
    sels = Selection.objects.bulk_create([Selection(draw=draw, position=p, uscc=u, entity_id=pk, stratum="B")
                                          for p, (pk, u) in enumerate(ids)], batch_size=5000)
    Assignment.objects.bulk_create([Assignment(selection=s, slot=j, inspector=i, inspector_code=i.certificate_no,
                                               dept=dept.code) for s in sels for j, i in enumerate(team)],
                                   batch_size=5000)
    power = PowerEntry.objects.create(department=dept, code="JC-B", name="对排污单位的监督检查",
                                      kind=PowerKind.INSPECTION, legal_basis="《中华人民共和国环境保护法》")
    items = [InspectionItem.objects.create(department=dept, year=2027, code=f"ENV-B{k}", name=f"事项{k}",
                                           basis="《排污许可管理条例》", content="检查内容", power_entry=power)
             for k in range(2)]
    plan = services.PlanInfo(ref="bench", title="bench", department=dept, window_start=draw.window_start,
                             window_end=draw.window_end, target_class="B", items=tuple(items))
    services.tasks_from_draw(draw=draw, plan=plan)
    now = timezone.now()
    TaskItem.objects.update(result_code="1", result_name="未发现问题", method="实地检查", recorded_at=now)
    InspectionTask.objects.update(status=TaskStatus.COMPLETED, completed_at=now, visited_on="2027-06-10",
                                  review_status=ReviewStatus.CONFIRMED, confirmed_at=now,
                                  publish_due="2027-07-08")
    user = User.objects.create(username="bench", role="inspector")
    import io

    from PIL import Image
    started = time.perf_counter()
    first_items = dict(TaskItem.objects.filter(seq=0).values_list("task_id", "pk"))
    evidence, signatures = [], []
    for done, (task_id, item_id) in enumerate(sorted(first_items.items()), start=1):
        buffer = io.BytesIO()
        Image.new("RGB", (32, 24), (task_id % 256, 40, 40)).save(buffer, "JPEG")
        data = buffer.getvalue() + task_id.to_bytes(4, "big")  # unique per task
        digest = sm3_hex(data)
        path = default_storage.save(f"evidence/bench/{digest}.jpg", ContentFile(data))
        evidence.append(Evidence(task_item_id=item_id, name="现场.jpg", content_type="image/jpeg",
                                 size=len(data), sm3=digest, path=path, uploaded_at=now, uploaded_by=user))
        signatures.extend(FormSignature(task_id=task_id, role="inspector", method="account", inspector=i,
                                        certificate_no=i.certificate_no, signer_name=i.name, digest="0" * 64,
                                        signed_at=now, recorded_by=user) for i in team)
        _progress("evidence written", done, len(first_items), started)
    Evidence.objects.bulk_create(evidence, batch_size=5000)
    FormSignature.objects.bulk_create(signatures, batch_size=5000)
    tasks = list(InspectionTask.objects.order_by("pk"))
    print(f"tasks {len(tasks):,} completed, each with 2 items, 1 photo, 2 signatures")

    started = time.perf_counter()
    rows = 0
    for task in tasks:
        rows += len(list(TaskItem.objects.filter(task=task).values_list("pk", "result_code")))
    base_t = time.perf_counter() - started

    started = time.perf_counter()
    size = 0
    for done, task in enumerate(tasks, start=1):
        built = archive.build(task)
        assert not archive.verify(built.manifest, built.parts)
        size += len(archive.zip_bytes(built))
        _progress("files built", done, len(tasks), started)
    build_t = time.perf_counter() - started

    sample = tasks[: args.pdf_sample]
    started = time.perf_counter()
    for task in sample:
        archive.pdf_bytes(archive.build(task))
    pdf_t = (time.perf_counter() - started) / max(1, len(sample))

    print(f"{'':40}{'time s':>9}{'files/s':>10}")
    print(f"{'baseline: read each task items':40}{base_t:>9.2f}{len(tasks) / base_t:>10,.0f}")
    print(f"{'build + verify + zip every file':40}{build_t:>9.2f}{len(tasks) / build_t:>10,.0f}")
    print(f"ratio build/baseline {build_t / base_t:.1f}x; zips {size / 2**20:.1f} MiB")
    print(f"PDF per file (sample of {len(sample)}): {pdf_t:.2f} s, "
          f"{pdf_t / (build_t / len(tasks)):.0f}x the rest of a file; "
          f"{len(tasks):,} PDFs would take about {pdf_t * len(tasks) / 60:.0f} min in the worker")


if __name__ == "__main__":
    main()
