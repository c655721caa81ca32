"""Management commands that do a background job's work on the command line: the job is
created through its service in the name of a user (``--as USER``, with that user's
permissions and audit trail, R-S2), then run here with its progress printed on one line; a
refusal of the service (``ServiceError``) ends the command with its Chinese message
(``CommandError``), and so does a job that did not finish.

A command subclasses ``JobCommand`` and says how to start, run and summarise its job."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from spotcheck.core.errors import ServiceError
from spotcheck.core.jobs import JobStatus, Progress


class JobCommand(BaseCommand, metaclass=ABCMeta):
    # help of ``--as``: whose name the job is started in
    as_help = "以该账号的名义执行"
    # the message when the user (or anything else the command names) does not exist
    missing = "账号不存在。"
    # the message when the job ends without one of its own
    failed = "执行失败。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="username", required=True, help=self.as_help)

    # --- what a command says ----------------------------------------------------------------

    @abstractmethod
    def start(self, user: Any, options: dict[str, Any]) -> Any:
        """Create the job through its service as ``user``; return it (it has a ``pk``)."""

    @abstractmethod
    def run(self, job_id: int, progress: Progress) -> Any:
        """Run the job here; return it as it ended (``status``, ``message``)."""

    def progress_line(self, done: int, total: int) -> str:
        return f"{done}/{total}"

    @abstractmethod
    def summary(self, job: Any) -> str:
        """The last line, once the job is done."""

    # --- the one body -----------------------------------------------------------------------

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(self.missing)
        try:
            job = self.start(user, options)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc

        def show(done: int, total: int) -> None:
            self.stdout.write("\r" + self.progress_line(done, total), ending="")
            self.stdout.flush()

        job = self.run(job.pk, show)
        self.stdout.write("")
        if job.status != JobStatus.DONE:
            raise CommandError(job.message or self.failed)
        self.stdout.write(self.summary(job))
