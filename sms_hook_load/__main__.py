"""`python -m sms_hook_load run|worker`: the Locust process behind `sms-hook load`.

    run                 read LoadSettings as JSON on stdin, run, print the summary, write the
                        reports; exit 0 (contract kept), 1 (broken, or p99 above --expect-p99)
    worker [--master-host H] [--master-port P]
                        serve a master (another machine's `sms-hook load --remote-workers`)

The secret is read from SMS_HOOK_SECRET (the documentation's test key when it is unset).
Expected failures are one line on stderr and exit code 2, never a traceback.
"""

# Locust monkey-patches the standard library when imported; it must come before everything else.
import locust  # noqa: F401, I001 - imported for its side effect, first on purpose

import argparse
import json
import os
import sys
from pathlib import Path

from sms_hook import contract as contract_module
from sms_hook.errors import SmsHookError
from sms_hook_load import html, runner, summary
from sms_hook_load.settings import SECRET_ENV, LoadSettings

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_USAGE = 2
DEFAULT_MASTER_PORT = 5557


def _secret() -> str:
    return os.environ.get(SECRET_ENV) or contract_module.load().test_key


def _run() -> int:
    settings = LoadSettings.from_json(sys.stdin.read())
    report = runner.run(settings, _secret())
    if settings.report_json:
        Path(settings.report_json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if settings.report_html:
        Path(settings.report_html).write_text(html.render(report), encoding="utf-8")
    print("\n".join(summary.text(report)), flush=True)
    return EXIT_OK if report["verdict"] == "pass" else EXIT_BROKEN


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sms_hook_load", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run")
    worker = commands.add_parser("worker")
    worker.add_argument("--master-host", default="127.0.0.1")
    worker.add_argument("--master-port", type=int, default=DEFAULT_MASTER_PORT)
    args = parser.parse_args(argv)
    runner.quiet_logging()
    try:
        if args.command == "run":
            return _run()
        runner.run_worker(args.master_host, args.master_port, _secret())
        return EXIT_OK
    except SmsHookError as exc:
        print(f"sms-hook load: {exc}", file=sys.stderr)
    except OSError as exc:
        print(f"sms-hook load: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("sms-hook load: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one line, no traceback
        print(f"sms-hook load: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
