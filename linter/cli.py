"""The `easlint` command.

    easlint [check] [PATHS...]        lint configuration files (the default command)
    easlint init [FILE]               write a commented starter configuration (.easlint.yaml)
    easlint trace FILE --app NAME     show how each request form of an app goes through a device
    easlint trace --path NAME --app NAME    the same through every hop of a configured path
    easlint model FILE                print the normalized model as JSON
    easlint rules                     list the rules
    easlint explain RULE              print a rule's documentation

Settings come from `.easlint.yaml` (or `[tool.easlint]` in pyproject.toml) in the working
directory or its nearest parent, or from `--config FILE`; command-line options win over them.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it (parse errors are
findings); 2 usage, configuration or I/O error; 3 internal error (a bug in easlint).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from importlib import resources
from pathlib import Path

from linter import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
COMMANDS = ("check", "init", "trace", "model", "rules", "explain")
FAIL_ON = ("error", "warning", "info", "never")
FORMATS = {
    "text": "linter.report.text",
    "json": "linter.report.json",
    "sarif": "linter.report.sarif",
    "junit": "linter.report.junit",
    "github": "linter.report.github",
}
DEFAULT_TIMEOUT = 60.0


class UsageError(Exception):
    """A problem with how easlint was called or configured (exit code 2)."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' must be at least 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"'{text}' must be 0 (no limit) or more")
    return value


def _outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(format, file) pairs: `--format sarif:results.sarif` names its own file, a format without
    one goes to `--output` or standard output; at most one may go to standard output."""
    requested = args.formats or ["github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"]
    outputs: list[tuple[str, str | None]] = []
    for item in requested:
        name, separator, target = item.partition(":")
        if name not in FORMATS:
            raise UsageError(f"--format {item}: unknown format '{name}'; choose from {', '.join(FORMATS)}")
        if separator and not target:
            raise UsageError(f"--format {item}: give a file after ':'")
        outputs.append((name, target or args.output))
    to_stdout = [name for name, target in outputs if target is None]
    if len(to_stdout) > 1:
        raise UsageError(f"formats {', '.join(to_stdout)} would all go to standard output; give each but one a file (FORMAT:FILE)")
    targets = [target for _, target in outputs if target is not None]
    if len(targets) != len(set(targets)):
        raise UsageError("two formats would be written to the same file")
    return outputs


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="easlint",
        description="Lint load balancer, proxy and firewall configs in front of Microsoft Exchange: Direct Push "
                    "timers and third-party ActiveSync app blocking.",
    )
    parser.add_argument("--version", action="version", version=f"easlint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="lint configuration files (default)")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)")
    check.add_argument("--format", action="append", metavar="FORMAT[:FILE]", dest="formats",
                       help=f"output format: {', '.join(FORMATS)}; FORMAT:FILE writes that one to FILE; repeatable "
                            "(default: text, or github when GITHUB_ACTIONS=true)")
    check.add_argument("--output", metavar="FILE", help="write the report (the format given without a file) to FILE")
    check.add_argument("--select", action="extend", type=_rule_selectors, metavar="RULE[,RULE...]",
                       help="only these rules (id, name or id prefix); comma-separated or repeated")
    check.add_argument("--ignore", action="extend", type=_rule_selectors, metavar="RULE[,RULE...]",
                       help="skip these rules (id, name or id prefix); comma-separated or repeated")
    check.add_argument("--fail-on", choices=FAIL_ON,
                       help="exit 1 when a finding has this severity or worse (default: fail_on of the configuration, "
                            "else error)")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even when findings fail the gate (usage, I/O and internal errors still count)")
    check.add_argument("--no-inline-waivers", action="store_true",
                       help="ignore '# easlint: disable=...' comments in the checked files (for CI gates)")
    check.add_argument("--baseline", metavar="FILE", help="findings recorded in FILE do not fail the run; the report says how many are fixed")
    check.add_argument("--write-baseline", metavar="FILE", help="record the current findings in FILE (and exit 0 unless the run broke)")
    check.add_argument("--jobs", "-j", type=_positive_int, metavar="N",
                       help="check files in N processes (default: the number of CPUs)")
    check.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help="stop checking a file after this long and report it as not verified; 0 = no limit (default: 60)")
    check.add_argument("--config", metavar="FILE",
                       help="the configuration to use (default: .easlint.yaml or pyproject.toml [tool.easlint] "
                            "in the working directory or its nearest parent)")
    check.add_argument("--show-config", action="store_true",
                       help="print the effective settings and where each came from, then exit")
    check.add_argument("--policy", metavar="FILE", help="a policy pack YAML file instead of the built-in pack the configuration extends")
    check.add_argument("--all-files", action="store_true", help="in a git repository, also check files git ignores")
    check.add_argument("--no-color", action="store_true", help="never color the text report")
    check.add_argument("--quiet", "-q", action="store_true", help="print only findings and the summary")

    trace = commands.add_parser("trace", help="show how an app's or client's requests go through a device")
    trace.add_argument("file", nargs="?", metavar="FILE")
    trace.add_argument("--path", metavar="NAME", help="a path of the configuration's `paths`: every hop in order")
    trace.add_argument("--app", required=True, metavar="NAME", help="a blocked app or allowed client of the policy")
    trace.add_argument("--host", metavar="HOST", help="only probes carrying this Host name")
    trace.add_argument("--config", metavar="FILE", help="the configuration to use (default: found as for check)")
    trace.add_argument("--policy", metavar="FILE", help="a policy pack YAML file")

    init = commands.add_parser("init", help="write a commented starter configuration")
    init.add_argument("file", nargs="?", default=".easlint.yaml", metavar="FILE",
                      help="where to write it (default: .easlint.yaml); an existing file is never overwritten")

    model = commands.add_parser("model", help="print the normalized model of a file as JSON")
    model.add_argument("file", metavar="FILE")

    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    explain = commands.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("rule", metavar="RULE", help="rule id or name, e.g. EAS102 or timeout-below-max-heartbeat")
    return parser


def _rule_selectors(value: str) -> list[str]:
    """`--select EAS101,EAS102` as ruff and flake8 take it; an empty item (a trailing comma) is
    dropped, and the pieces are checked against the rules later, with the configuration."""
    return [item.strip() for item in value.split(",") if item.strip()]


def _config(args: argparse.Namespace):
    """The configuration named by --config, else the one found from the working directory, with
    the command line's --select, --ignore and --fail-on over it."""
    from linter.config import ConfigError, find_config, load_config

    if args.config is not None and not Path(args.config).exists():
        raise UsageError(f"--config {args.config}: no such file")
    path = Path(args.config) if args.config is not None else find_config(Path.cwd())
    try:
        config = load_config(path)
        if args.command == "check":
            config = config.merge_cli(args.select, args.ignore, args.fail_on)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    return config


def _base_policy(args: argparse.Namespace, config):
    """The pack the configuration's settings apply to: --policy FILE, else the built-in pack the
    configuration extends."""
    from linter.policy import PolicyError, load_pack_file

    try:
        return load_pack_file(Path(args.policy)) if args.policy else config.base_policy()
    except PolicyError as error:
        raise UsageError(str(error)) from None


def _policy(args: argparse.Namespace, config):
    return config.policy(_base_policy(args, config))


def _with_exchange_inputs(policy, config):
    """The policy with the web.config and device access rules the configuration names, as a
    check would use them (a check also finds them among its files)."""
    from linter.exchange_inputs import ExchangeInputsError, policy_for_run

    try:
        return policy_for_run(policy, (), config)
    except ExchangeInputsError as error:
        raise UsageError(str(error)) from None


def _with_severities(report, config) -> None:
    """The configuration's per-rule severities over the rules' own, for every finding of the run
    (a rule that raises one finding above its default, like EAS002 on the ActiveSync path, is
    still set to what the user asked) and for the rule table of SARIF and JSON."""
    import dataclasses

    overrides = config.rules.severity
    if not overrides:
        return

    def adjusted(findings):
        return tuple(dataclasses.replace(f, severity=overrides[f.rule_id]) if f.rule_id in overrides else f
                     for f in findings)

    report.files[:] = [dataclasses.replace(result, findings=adjusted(result.findings)) for result in report.files]
    report.extra_findings = list(adjusted(report.extra_findings))
    report.rules = tuple(dataclasses.replace(rule, severity=config.severity(rule.id, rule.severity)) for rule in report.rules)


def _baseline(path: str | None):
    if path is None:
        return None
    from linter.baseline import BaselineError, load_baseline

    try:
        return load_baseline(path)
    except BaselineError as error:
        raise UsageError(str(error)) from None


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8", errors="surrogateescape")
    except OSError as error:
        raise UsageError(f"{output}: cannot write the report: {error.strerror}") from None


def _color_wanted(args: argparse.Namespace, target: str | None) -> bool:
    return not args.no_color and target is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _render(name: str, report, args: argparse.Namespace, target: str | None) -> str:
    module = importlib.import_module(FORMATS[name])
    if name == "text":
        return module.render(report, color=_color_wanted(args, target), quiet=args.quiet)
    return module.render(report)


def _check(args: argparse.Namespace) -> int:
    from linter.engine import InputError, run
    from linter.scheduler import default_jobs

    config = _config(args)
    if args.show_config:
        from linter.config import show_config

        base = _base_policy(args, config)
        sys.stdout.write(show_config(config, base, _with_exchange_inputs(config.policy(base), config)))
        return EXIT_OK
    outputs = _outputs(args)
    policy = _policy(args, config)
    baseline = _baseline(args.baseline)
    try:
        report = run(args.paths, policy, config.selected_rules(), all_files=args.all_files,
                     jobs=args.jobs or default_jobs(), timeout=args.timeout or None, progress=not args.quiet,
                     inline_waivers=not args.no_inline_waivers, central_waivers=config.waivers, baseline=baseline,
                     config=config)
    except InputError as error:
        raise UsageError(str(error)) from None
    _with_severities(report, config)
    if args.write_baseline:
        from linter.baseline import write_baseline

        try:
            recorded = write_baseline(report.findings, args.write_baseline)
        except OSError as error:
            raise UsageError(f"{args.write_baseline}: cannot write the baseline: {error.strerror}") from None
        sys.stderr.write(f"easlint: recorded {recorded} findings in {args.write_baseline}\n")
    for name, target in outputs:
        _write(_render(name, report, args, target), target)
    if report.internal_errors:
        return EXIT_INTERNAL
    if report.io_errors:
        return EXIT_USAGE
    if args.exit_zero or args.write_baseline:
        return EXIT_OK
    if config.fail_on != "never":
        from linter.findings import Severity

        threshold = Severity(config.fail_on).rank
        if any(finding.severity.rank >= threshold for finding in report.findings if finding.suppression is None):
            return EXIT_FINDINGS
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    """Write the starter configuration, never over an existing file."""
    from linter.config import init_text

    target = Path(args.file)
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(init_text())
    except FileExistsError:
        raise UsageError(f"{args.file} already exists; easlint init never overwrites a file") from None
    except OSError as error:
        raise UsageError(f"{args.file}: cannot write: {error.strerror}") from None
    sys.stderr.write(f"easlint: wrote {args.file}; 'easlint --show-config' prints the effective settings\n")
    return EXIT_OK


def _device(path_text: str):
    """Parse one file for `trace` and `model`; usage errors for anything that is not a config."""
    from linter.files import Unreadable, display_path, read_text
    from parsers import SUPPORTED, vendor
    from parsers.detect import detect_vendor

    path = Path(path_text)
    if not path.is_file():
        raise UsageError(f"{path_text}: no such file")
    text = read_text(path)
    if isinstance(text, Unreadable):
        raise UsageError(f"{path_text}: {text.reason}")
    vendor_name = detect_vendor(text)
    if vendor_name is None:
        raise UsageError(f"{path_text}: not a recognised configuration (easlint reads {', '.join(sorted(SUPPORTED))})")
    return vendor(vendor_name).parse(display_path(path), text, path.parent)


def _trace(args: argparse.Namespace) -> int:
    from linter.report.trace import render_trace

    if (args.file is None) == (args.path is None) or (args.path and args.host):
        raise UsageError("trace: give FILE (optionally with --host) or --path NAME")
    config = _config(args)
    policy = _with_exchange_inputs(_policy(args, config), config)
    names = [app.name for app in policy.probed_apps] + [client.name for client in policy.allowed_clients]
    app = policy.blocked_app(args.app) or policy.allowed_client(args.app)
    if app is None:
        raise UsageError(f"unknown app '{args.app}'; the policy knows: {', '.join(names)}")
    args.app = app.name
    if args.path is not None:
        sys.stdout.write(_path_trace(args, config, policy))
        return EXIT_OK
    sys.stdout.write(render_trace(_device(args.file), policy, args.app, args.host))
    return EXIT_OK


def _path_trace(args: argparse.Namespace, config, policy) -> str:
    from linter.paths import PathError
    from linter.report.trace import path_devices, render_path_trace

    path = next((entry for entry in config.paths if entry.name == args.path), None)
    if path is None:
        known = ", ".join(entry.name for entry in config.paths) or "none"
        raise UsageError(f"no path '{args.path}' in the configuration (its paths: {known})")
    try:
        devices = path_devices(path, config.root)
    except PathError as error:
        raise UsageError(str(error)) from None
    return render_path_trace(path, devices, policy, args.app)


def _model(args: argparse.Namespace) -> int:
    from linter.model import to_jsonable

    sys.stdout.write(json.dumps(to_jsonable(_device(args.file)), indent=2) + "\n")
    return EXIT_OK


def _rules(args: argparse.Namespace) -> int:
    from policies import RULES

    if args.format == "json":
        data = [{"id": r.id, "name": r.name, "severity": r.severity.value, "summary": r.summary} for r in RULES]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    for rule in RULES:
        sys.stdout.write(f"{rule.id}  {rule.name:<32} {rule.severity.value:<8} {rule.summary}\n")
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from policies import UnknownRule, find

    try:
        matches = find(args.rule)
    except UnknownRule as error:
        raise UsageError(str(error)) from None
    if len(matches) != 1:
        raise UsageError(f"'{args.rule}' names {len(matches)} rules; give one id or name")
    page = resources.files("policies").joinpath(f"docs/{matches[0].id}.md")
    if not page.is_file():
        raise UsageError(f"{matches[0].id} has no documentation page in this installation")
    sys.stdout.write(page.read_text(encoding="utf-8"))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or (arguments[0] not in COMMANDS and arguments[0] not in ("-h", "--help", "--version")):
        arguments.insert(0, "check")
    args = _parser().parse_args(arguments)
    handlers = {"check": _check, "init": _init, "trace": _trace, "model": _model, "rules": _rules, "explain": _explain}
    try:
        return handlers[args.command](args)
    except UsageError as error:
        sys.stderr.write("".join(f"easlint: error: {line}\n" for line in str(error).splitlines() or [""]))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: say so briefly, never a traceback
        sys.stderr.write(f"easlint: internal error: {type(error).__name__}: {error}\n"
                         "This is a bug in easlint; please report it together with the command line and input.\n")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
