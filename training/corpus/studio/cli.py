"""``toll-studio``: annotate in Label Studio with the model's help, then bring the work home.

    toll-studio config                              # the labeling config generated from the schema
    toll-studio init [--project TITLE]              # create (or find by title) the project
    toll-studio push ARTICLES... --model DIR [--corpus data/corpus]   # tasks with predictions, no duplicates
    toll-studio pull [--corpus data/corpus] [--seeds seeds]   # checked annotations -> the corpus
    toll-studio push data/standoff/ --model DIR   # MUC-4 / BBC articles: text joined from the datasets
    toll-studio serve --model DIR [--port 9090]     # the ML backend for interactive pre-annotation

The server's URL and API token come from ``--url``/``--token`` or ``LABEL_STUDIO_URL`` /
``LABEL_STUDIO_API_KEY`` (prefer the environment: flags show up in the process list). The token
is never printed. Exit status: 0 done, 1 done with problems reported (nothing written for those
tasks or articles), 2 error (unreachable server, rejected token, missing project, bad input),
130 interrupted (push says how many tasks it created first).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from toll.models.common.errors import TollError, run_command
from toll.models.inference.inputs import InputOptions, InputReport, read_inputs
from toll.models.inference.model_dir import check_model_dir
from toll.models.text.schema import Schema
from toll.models.text.studio_config import labeling_config
# export_tasks and model_version are called through their modules: the tests replace them there
from toll.training.corpus.studio import export, predictions
from toll.training.corpus.studio.backend import TollBackend, make_server
from toll.training.corpus.studio.connection import (StudioSettings, connect, redact, resolve_settings,
                                        studio_errors)
from toll.training.corpus.studio.lock import project_lock
from toll.training.corpus.studio.projects import (DEFAULT_TITLE, ProjectRef, get_project, init_project,
                                                  project_config, same_config)
from toll.training.corpus.studio.pull import pull_tasks
from toll.training.corpus.studio.push import PushReport, existing_articles, plan_push, push_plan
from toll.training.corpus.studio.push_inputs import (is_standoff_input, load_corpus, name_file_articles,
                                                     read_standoff_articles)

DEFAULT_CORPUS = "data/corpus"
DEFAULT_STANDOFF = "data/standoff"


def _settings(args: argparse.Namespace) -> StudioSettings:
    return resolve_settings(args.url, args.token)


def _project(client, args: argparse.Namespace) -> ProjectRef:
    return get_project(client, args.project, args.project_id)


def _cmd_config(args: argparse.Namespace) -> int:
    sys.stdout.write(labeling_config(Schema.load(args.schema)))
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    settings = _settings(args)
    client = connect(settings)
    with studio_errors(settings, f"creating project {args.project!r}"):
        project, what = init_project(client, args.project, labeling_config(Schema.load(args.schema)))
    print(f"{what}: {project} at {settings.display_url}")
    return 0


def _existing_folder(path: str, flag: str, what: str) -> Path:
    """``path`` as a folder that exists; the error says where it was looked for and the flag."""
    folder = Path(path)
    if not folder.is_dir():
        where = "" if folder.is_absolute() else f" in {Path.cwd()}"
        raise TollError(f"{what} folder {folder} does not exist{where}; run toll-studio from the repository "
                        f"root, or pass {flag} DIR (an existing folder)")
    return folder


def _push_corpus(option: str | None) -> dict:
    """The corpus annotations push sends with articles already annotated: ``--corpus``, else
    ``data/corpus`` when it exists here (a warning says when it does not)."""
    standoff = Path(DEFAULT_STANDOFF)
    if option is not None:
        return load_corpus(_existing_folder(option, "--corpus", "corpus"), standoff)
    if Path(DEFAULT_CORPUS).is_dir():
        return load_corpus(Path(DEFAULT_CORPUS), standoff)
    print(f"warning: no corpus folder {DEFAULT_CORPUS} in {Path.cwd()}: an article already in the corpus "
          "would be pushed without its annotation; run from the repository root or pass --corpus DIR",
          file=sys.stderr)
    return {}


def _read_articles(args: argparse.Namespace):
    """The articles to push, with ids from file names (see :func:`~toll.training.corpus.studio.push.file_article_id`)."""
    report_in = InputReport()
    standoff = [a for a in args.articles if is_standoff_input(Path(a))]
    plain = [a for a in args.articles if a not in standoff]
    docs, naming_problems = name_file_articles(read_inputs(plain, InputOptions(skip_bad=args.skip_bad),
                                                           report_in)) if plain else ([], [])
    for source in standoff:
        found, problems = read_standoff_articles(Path(source))
        docs += found
        naming_problems += problems
    return docs, report_in, naming_problems


def _interrupted(client, project: ProjectRef, report) -> int:
    """What a push did before Ctrl-C, and how many tasks the project holds now; exit status 130."""
    print(f"interrupted: {len(report.created)} task(s) created and {len(report.repredicted)} given a new "
          f"prediction before Ctrl-C", file=sys.stderr)
    try:
        total = client.projects.get(project.id).task_number
    except Exception:  # noqa: BLE001 (the count is a courtesy; the server may be what hung)
        total = None
    if total is not None:
        print(f"{project} now has {total} task(s)", file=sys.stderr)
    print("push the same articles again to finish: articles that have a task are not created twice",
          file=sys.stderr)
    return 130


def _cmd_push(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    schema, _ = check_model_dir(args.model)
    version = predictions.model_version(args.model)
    settings = _settings(args)
    corpus = _push_corpus(args.corpus)
    docs, report_in, naming_problems = _read_articles(args)
    client = connect(settings)
    report = PushReport(problems=naming_problems)
    with studio_errors(settings, "pushing articles"):
        project = _project(client, args)
        if not same_config(project_config(client, project), labeling_config(schema)):
            print(f"warning: the labeling config of {project} differs from the model's schema; "
                  "`toll-studio init` updates it", file=sys.stderr)
        try:
            with project_lock(settings.display_url, project):  # read, plan and create as one step
                plan = plan_push(docs, existing_articles(export.export_tasks(client, project)), version, corpus)
                pipeline = _pipeline(args) if plan.size else None
                with tqdm(total=plan.size, unit="article", desc="pushing", file=sys.stderr,
                          disable=args.no_progress or not plan.size) as bar:
                    push_plan(client, project, plan, pipeline, version, report, bar.update)
        except KeyboardInterrupt:
            return _interrupted(client, project, report)
    for message in report_in.skipped:
        print(f"skipped: {message}", file=sys.stderr)
    for message in report.problems:
        print(f"problem: {message}", file=sys.stderr)
    print(f"{project}, model {version}: {report.summary()}")
    return 1 if report.problems else 0


def _pipeline(args: argparse.Namespace):
    # imported here, not at the top: the pipeline loads torch, which only push and serve need
    from toll.models.inference.pipeline import Pipeline

    return Pipeline.from_pretrained(args.model, batch_size=args.batch_size)


def _cmd_pull(args: argparse.Namespace) -> int:
    schema = Schema.load(args.schema)
    settings = _settings(args)
    corpus = _existing_folder(args.corpus, "--corpus", "corpus")
    seeds = _existing_folder(args.seeds, "--seeds", "seeds")
    client = connect(settings)
    with studio_errors(settings, "exporting annotations"):
        project = _project(client, args)
        tasks = export.export_tasks(client, project)
    report = pull_tasks(tasks, schema, corpus, seeds, Path(args.standoff))
    for problem in report.problems:
        print(f"problem: {problem}", file=sys.stderr)
    if report.rejected:
        print(f"not written (fix them in Label Studio and pull again): task(s) "
              f"{', '.join(str(t) for t in sorted(set(report.rejected)))}", file=sys.stderr)
    print(f"{project}: {len(tasks)} task(s) exported -> {args.corpus}")
    for line in report.lines():
        print(line)
    return 1 if report.problems else 0


def _cmd_serve(args: argparse.Namespace) -> int:
    check_model_dir(args.model)
    version = predictions.model_version(args.model)
    pipeline = _pipeline(args)
    try:
        server = make_server(TollBackend(pipeline, version), args.host, args.port, max_body_mb=args.max_body_mb)
    except OSError as exc:
        raise TollError(f"cannot listen on {args.host}:{args.port} ({exc.strerror})") from None
    host, port = server.server_address[:2]
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {args.host}: anyone who can reach this machine can use the model",
              file=sys.stderr)
    print(f"serving model {version} for Label Studio on http://{host}:{port} (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toll-studio", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    server = argparse.ArgumentParser(add_help=False)
    server.add_argument("--url", help="Label Studio URL (default: $LABEL_STUDIO_URL)")
    server.add_argument("--token", help="API token (default: $LABEL_STUDIO_API_KEY; prefer the variable)")
    server.add_argument("--project", default=DEFAULT_TITLE, help=f"project title (default {DEFAULT_TITLE!r})")
    server.add_argument("--project-id", type=int, help="project id (instead of the title)")
    schema = argparse.ArgumentParser(add_help=False)
    schema.add_argument("--schema", default=None, help="schema YAML (default configs/schema.yaml)")

    config = sub.add_parser("config", parents=[schema], help="print the labeling config for the schema")
    config.set_defaults(func=_cmd_config)
    init = sub.add_parser("init", parents=[server, schema], help="create (or find by title) the project")
    init.set_defaults(func=_cmd_init)
    push = sub.add_parser("push", parents=[server], help="import articles as tasks with predictions")
    push.add_argument("articles", nargs="+", help=".txt files, folders of them, .jsonl (id, text) or .csv")
    push.add_argument("--model", required=True, help="model directory written by toll-train")
    push.add_argument("--batch-size", type=int, default=16)
    push.add_argument("--skip-bad", action="store_true", help="skip binary files and bad JSONL lines, counted")
    push.add_argument("--corpus", default=None,
                      help=f"annotation folder: articles in it go with their annotation (default {DEFAULT_CORPUS} "
                           "when it exists)")
    push.add_argument("--no-progress", action="store_true", help="no progress bar")
    push.set_defaults(func=_cmd_push)
    pull = sub.add_parser("pull", parents=[server, schema], help="write checked annotations into the corpus")
    pull.add_argument("--corpus", default=DEFAULT_CORPUS,
                      help=f"annotation folder, must exist (default {DEFAULT_CORPUS})")
    pull.add_argument("--seeds", default="seeds", help="article text folder, must exist (default seeds)")
    pull.add_argument("--standoff", default=DEFAULT_STANDOFF,
                      help="where standoff articles (MUC-4, BBC Online) are written, never their text "
                           "(default data/standoff)")
    pull.set_defaults(func=_cmd_pull)
    serve = sub.add_parser("serve", help="serve the model as a Label Studio ML backend")
    serve.add_argument("--model", required=True, help="model directory written by toll-train")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=9090)
    serve.add_argument("--batch-size", type=int, default=16)
    serve.add_argument("--max-body-mb", type=float, default=10.0,
                       help="largest request body accepted, in MB (default 10); larger ones get HTTP 413")
    serve.set_defaults(func=_cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(lambda: args.func(args), redact=lambda message: redact(message, _settings_or_none(args)))


def _settings_or_none(args: argparse.Namespace):
    try:
        return _settings(args) if hasattr(args, "url") else None
    except TollError:
        return None


if __name__ == "__main__":
    sys.exit(main())
