"""`python -m bot [run|demo|migrate|setup|import-issues|candidates|grant|revoke|export]`.

One entry point for the bot and its operator tools.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from bot import export_cli
from bot.runner import StartupError, configure_logging, load_settings

NO_TOKEN = (
    "BOT_TOKEN is not set: create a bot with @BotFather, then run "
    "`BOT_TOKEN=<token> python -m bot` (or put BOT_TOKEN=... in .env). "
    "To see the bot work offline first: `python -m bot demo`."
)
BAD_TOKEN = (
    "BOT_TOKEN does not look like a Telegram bot token (expected <digits>:<secret>, as "
    "@BotFather gives it). To see the bot work offline first: `python -m bot demo`."
)


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one clear line and exit code 2, no usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise StartupError(f"{message} (see `python -m bot --help`)")


EPILOG = """\
commands, in the order a township starts:
  setup --township 东风镇 --villages 东风村,南湖社区 --admin <id> [--qr-dir DIR]
        create the township, its villages and first admin; prints each village's
        registration link (and writes its QR code with --qr-dir)
  run   the bot (polling, or a webhook endpoint when WEBHOOK_URL is set)
  demo  the bot, offline, against a fake Telegram: a resident raises a matter
  import-issues FILE --township T    a hotline export (.csv/.xlsx) becomes issues
  candidates --township T [--summary] [--format csv|table]    candidate topics
  grant|revoke --township T --telegram-id N --role staff|member|admin
  export --township T --format xlsx|csv|json --since YYYY-MM-DD --until YYYY-MM-DD
        [--output FILE] [--locale en]    a period's figures as open data
  migrate   apply database migrations (run does it too)
  backup FILE / restore FILE   the SQLite database, consistent while the bot runs
        (restore with the bot stopped; PostgreSQL: pg_dump / pg_restore)

settings (environment or .env): BOT_TOKEN, DATABASE_URL (default SQLite in ./data),
DEFAULT_LOCALE, TIMEZONE, WEBHOOK_URL, METRICS_PORT, SQLITE_SYNCHRONOUS; see README.
"""


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m bot",
        description="有事好商量: a Telegram bot for township consultation",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    sub.add_parser("run", help="run the bot (polling; the default)")
    sub.add_parser("demo", help="play a resident's intake offline against a fake Bot API")
    sub.add_parser("migrate", help="apply database migrations")
    setup = sub.add_parser("setup", help="create or update a township (idempotent)")
    setup.add_argument("--township", required=True, help="name, e.g. 东风镇")
    setup.add_argument("--villages", required=True, help="comma-separated, e.g. 东风村,南湖社区")
    setup.add_argument("--admin", type=int, help="Telegram user id of the first admin")
    setup.add_argument("--categories", help="comma-separated; default: the standard eight")
    setup.add_argument(
        "--timezone", default="Asia/Shanghai", help="IANA name (default: %(default)s)"
    )
    setup.add_argument(
        "--qr-dir", help="write each village's registration QR code (PNG) into this folder"
    )
    importer = sub.add_parser(
        "import-issues", help="import a hotline or message-board export (.csv/.xlsx) as issues"
    )
    importer.add_argument("file", metavar="FILE", help="the export, .csv or .xlsx")
    importer.add_argument("--township", required=True, help="township name (or id)")
    candidates = sub.add_parser(
        "candidates", help="print candidate topics grouped from unassigned open issues"
    )
    candidates.add_argument("--township", required=True, help="township name (or id)")
    candidates.add_argument("--format", choices=("csv", "table"), default="csv")
    candidates.add_argument(
        "--summary", action="store_true", help="one row per candidate instead of per issue"
    )
    candidates.add_argument(
        "--min-size",
        type=int,
        help="smallest candidate listed (default: 1 per issue, 2 with --summary)",
    )
    for name, verb in (("grant", "give"), ("revoke", "take away")):
        roles = sub.add_parser(name, help=f"{verb} a township role (idempotent)")
        roles.add_argument("--township", required=True, help="township name (or id)")
        roles.add_argument("--telegram-id", required=True, type=int, help="Telegram user id")
        roles.add_argument("--role", required=True, choices=("staff", "member", "admin"))
    export_cli.add_parser(sub)
    backup = sub.add_parser("backup", help="copy the SQLite database, also while the bot runs")
    backup.add_argument("file", metavar="FILE", help="a new file to write the copy to")
    restore = sub.add_parser("restore", help="replace the SQLite database by a backup")
    restore.add_argument("file", metavar="FILE", help="a file written by `backup`")
    return parser


def _run_bot() -> int:
    settings = load_settings()
    problem = settings.token_problem()
    if problem is not None:
        raise StartupError(NO_TOKEN if problem == "missing" else BAD_TOKEN)
    configure_logging(settings.log_level)
    if settings.webhook_url:
        if not settings.webhook_url.startswith("https://"):
            raise StartupError("WEBHOOK_URL must be an https:// address (Telegram requires it)")
        from bot.webhook import run_webhook

        run_webhook(settings)
        return 0
    from bot.polling import run_polling

    run_polling(settings)
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command or "run"
    if command == "run":
        return _run_bot()
    if command == "demo":
        from fake_telegram.demo import run_demo

        return int(asyncio.run(run_demo()))
    from bot import admin_cli

    if command == "migrate":
        return asyncio.run(admin_cli.migrate_command(load_settings()))
    if command == "setup":
        return asyncio.run(admin_cli.setup_command(load_settings(), args))
    if command == "import-issues":
        return asyncio.run(admin_cli.import_issues_command(load_settings(), args))
    if command == "candidates":
        return asyncio.run(admin_cli.candidates_command(load_settings(), args))
    if command in ("grant", "revoke"):
        return asyncio.run(admin_cli.role_command(load_settings(), args))
    if command == "export":
        return export_cli.export_command(load_settings(), args)
    if command == "backup":
        return asyncio.run(admin_cli.backup_command(load_settings(), args))
    if command == "restore":
        return asyncio.run(admin_cli.restore_command(load_settings(), args))
    raise StartupError(f"unknown command {command!r}")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _dispatch(_parser().parse_args(argv))
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`candidates | head`): what it wanted was printed. Point
        # stdout at nothing so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
