#!/usr/bin/env python
"""Django's command-line utility for spotcheck."""

import gc
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    finally:
        # The process ends here and its memory goes with it: the interpreter's last full
        # collection over every object of Django, the apps and the libraries would add
        # about a tenth of a second to the end of every command. Frozen objects are not
        # scanned (their memory is still freed with the process).
        gc.freeze()


if __name__ == "__main__":
    main()
