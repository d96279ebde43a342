"""Batch pipeline: corpus files → counts → vocabulary → encoded corpus → [co-occurrence] →
model → evaluation → exports, as resumable steps with artifacts in a run directory.

    w2v pipeline init corpus/*.txt -o w2v.toml
    w2v pipeline run w2v.toml --run-dir runs/one
    w2v pipeline status runs/one
    w2v pipeline run w2v.toml --local-cluster 2     # on Dask: see pipelines.dask

Each step is a module in `pipelines.steps` with a function `run(inputs, outputs, config)`;
`pipelines.runner` decides which steps are up to date from `manifest.json`.
"""
