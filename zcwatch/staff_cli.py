"""`zcwatch staff add|passwd|token|list|remove`: the accounts of the staff area /staff (issue 16).

A password is read from the terminal without echo (twice), or from the first line of stdin when stdin is
not a terminal (``printf '%s\\n' "$PW" | zcwatch staff add NAME``), and stored as an argon2id hash
(``store.staff``). ``token`` prints a new bearer token for the API once; only its hash is kept, and the
previous token stops working.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.errors import EXIT_OK, ReviewError
from store.db import reading, transaction


def _password(confirm: bool) -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise ReviewError("no password on stdin")
        return line.rstrip("\r\n")
    first = getpass.getpass("password: ")
    if confirm and getpass.getpass("again: ") != first:
        raise ReviewError("the two passwords differ; nothing changed")
    return first


def run(args: argparse.Namespace, engine: Engine) -> int:
    from store import staff

    action = args.action
    if action == "list":
        with Session(reading(engine)) as s:
            rows = staff.names(s)
        for name, has_token, created in rows:
            print(f"{name}\t{'token' if has_token else '-'}\t{created:%Y-%m-%d}")
        if not rows:
            print("no staff accounts (zcwatch staff add NAME)", file=sys.stderr)
        return EXIT_OK
    name = staff.check_name(args.name)
    if action in ("add", "passwd"):
        password = staff.check_password(_password(confirm=True))
        with transaction(engine) as s:
            if action == "add":
                staff.add_staff(s, name, password)
            else:
                staff.set_password(s, name, password)
        print(f"{'added' if action == 'add' else 'new password for'} {name}", file=sys.stderr)
        return EXIT_OK
    if action == "token":
        with transaction(engine) as s:
            token = staff.new_token(s, name)
        print(token)
        print("keep it secret: it acts as this account (Authorization: Bearer …)", file=sys.stderr)
        return EXIT_OK
    with transaction(engine) as s:
        staff.remove_staff(s, name)
    print(f"removed {name}", file=sys.stderr)
    return EXIT_OK
