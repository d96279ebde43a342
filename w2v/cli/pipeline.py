"""`w2v pipeline {init,run,status}`: the batch pipeline of `pipelines/`."""

from pathlib import Path

import click

from w2v.cli.options import echo_json, json_option
from w2v.errors import UserError
from w2v.io.atomic import atomic_file, refuse_existing


@click.group()
def pipeline():
    """Run the batch pipeline described by a TOML file."""


@pipeline.command("init")
@click.argument("corpus", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default="w2v.toml", show_default=True
)
@click.option("--force", is_flag=True, help="Replace an existing config.")
def init_cmd(corpus, output, force):
    """Write a commented config for CORPUS files, directories or globs (default: the
    embedded corpus). A quoted glob stays a glob in the config, expanded at each run."""
    from pipelines.config import resolve_corpus
    from pipelines.init import render
    from w2v.errors import ConfigError
    from w2v.vocab import default_corpus

    paths = list(corpus) or [default_corpus()]
    n_files = 0
    for p in paths:
        try:
            n_files += len(resolve_corpus([str(p)], Path.cwd()))
        except ConfigError:
            glob = any(c in str(p) for c in "*?[")
            what = "matches no corpus file" if glob or p.exists() else "does not exist"
            raise UserError(f"corpus {'glob' if glob else 'file'} {str(p)!r} {what}") from None
    refuse_existing(output, force)
    with atomic_file(output, "w") as f:
        f.write(render(paths, output, n_files=n_files))
    click.echo(
        f"wrote {output} for {n_files} corpus file(s); run it with: w2v pipeline run {output}"
    )


@pipeline.command("run")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--run-dir", type=click.Path(path_type=Path), help="Default: [run] dir.")
@click.option("--from", "from_step", help="Rerun this step and every step after it.")
@click.option("--force", is_flag=True, help="Rerun every step.")
@click.option(
    "--dask",
    "address",
    metavar="ADDRESS",
    help="Run on the Dask scheduler at ADDRESS (tcp://HOST:8786); needs w2v[dask].",
)
@click.option(
    "--local-cluster",
    "local_workers",
    type=click.IntRange(min=1),
    metavar="N",
    help="Run on N local Dask worker processes (127.0.0.1); needs w2v[dask].",
)
def run_cmd(config, run_dir, from_step, force, address, local_workers):
    """Run the pipeline of CONFIG, skipping steps that are up to date.

    With --dask or --local-cluster, tokenize, vocab, encode, cooccur and train run as Dask
    tasks (see the [dask] section of the config); the run directory and the corpus must
    then be on storage that every worker can read and write."""
    from pipelines import config as config_mod
    from pipelines import runner

    if address and local_workers:
        raise UserError("give either --dask or --local-cluster, not both")
    cfg = config_mod.load(config)
    run_dir = run_dir or _default_run_dir(cfg)
    click.echo(f"run directory: {run_dir}")
    if not (address or local_workers):
        runner.run(cfg, run_dir, from_step=from_step, force=force, echo=click.echo)
        return
    from pipelines.dask.cluster import connect
    from pipelines.dask.executor import DaskExecutor

    with connect(address, local_workers, echo=click.echo) as client:
        executor = DaskExecutor(client, cfg["dask"], echo=click.echo)
        runner.run(
            cfg, run_dir.resolve(), from_step=from_step, force=force, echo=click.echo,
            executor=executor,
        )  # fmt: skip


@pipeline.command("status")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option(
    "-c",
    "--config",
    type=click.Path(path_type=Path),
    help="The pipeline's TOML file (default: the one recorded in the run directory).",
)
@json_option
def status_cmd(run_dir, config, as_json):
    """Per step: done, stale, missing (or off), with timings and sizes."""
    from pipelines import config as config_mod
    from pipelines import runner

    if not (run_dir / "manifest.json").is_file():
        raise UserError(f"{str(run_dir)!r} is not a pipeline run directory (no manifest.json)")
    config = config or _recorded_config(run_dir)
    cfg = config_mod.load(config)
    rows = runner.status(cfg, run_dir)
    if as_json:
        echo_json([r.__dict__ for r in rows], indent=2)
        return
    click.echo(f"{'step':10}{'state':9}{'seconds':>9}{'peak MB':>9}{'bytes':>14}")
    for r in rows:
        sec = f"{r.seconds:.1f}" if r.seconds is not None else "-"
        peak = f"{r.peak_rss_mb:.0f}" if r.peak_rss_mb is not None else "-"
        size = f"{r.bytes:,}" if r.bytes is not None else "-"
        click.echo(f"{r.name:10}{r.state:9}{sec:>9}{peak:>9}{size:>14}")


def _default_run_dir(cfg) -> Path:
    d = Path(cfg["run"]["dir"])
    return d if d.is_absolute() else cfg.path.parent / d


def _recorded_config(run_dir: Path) -> Path:
    from pipelines.manifest import Manifest
    from pipelines.runner import damaged_message

    manifest = Manifest(run_dir)
    if manifest.damage:
        raise UserError(damaged_message(manifest))
    if not manifest.config_path:
        raise UserError(f"{str(run_dir)!r} does not record its config; pass --config")
    return Path(manifest.config_path)
