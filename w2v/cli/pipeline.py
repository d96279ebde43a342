"""`w2v pipeline {init,run,status}`: the batch pipeline of `pipelines/`."""

import json
from pathlib import Path

import click

from w2v.cli import cli
from w2v.cli.options import json_option
from w2v.errors import UserError
from w2v.io import atomic_file


@cli.group()
def pipeline():
    """Run the batch pipeline described by a TOML file."""


@pipeline.command("init")
@click.argument("corpus", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default="w2v.toml", show_default=True
)
@click.option("--force", is_flag=True, help="Replace an existing config.")
def init_cmd(corpus, output, force):
    """Write a commented config for CORPUS files (default: the embedded corpus)."""
    from pipelines.init import render
    from w2v.vocab import default_corpus

    files = list(corpus) or [default_corpus()]
    for f in files:
        if not f.exists():
            raise UserError(f"corpus file {str(f)!r} does not exist")
    if output.exists() and not force:
        raise UserError(f"{str(output)!r} already exists; use --force to replace it")
    with atomic_file(output, "w") as f:
        f.write(render(files, output))
    click.echo(f"wrote {output}; run it with: w2v pipeline run {output}")


@pipeline.command("run")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--run-dir", type=click.Path(path_type=Path), help="Default: [run] dir.")
@click.option("--from", "from_step", help="Rerun this step and every step after it.")
@click.option("--force", is_flag=True, help="Rerun every step.")
def run_cmd(config, run_dir, from_step, force):
    """Run the pipeline of CONFIG, skipping steps that are up to date."""
    from pipelines import config as config_mod
    from pipelines import runner

    cfg = config_mod.load(config)
    run_dir = run_dir or _default_run_dir(cfg)
    click.echo(f"run directory: {run_dir}")
    runner.run(
        cfg, run_dir, from_step=from_step, force=force, echo=lambda s: click.echo(s, err=False)
    )


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
        click.echo(json.dumps([r.__dict__ for r in rows], indent=2))
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
    manifest = json.loads((run_dir / "manifest.json").read_text())
    path = manifest.get("config")
    if not path:
        raise UserError(f"{str(run_dir)!r} does not record its config; pass --config")
    return Path(path)
