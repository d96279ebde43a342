"""The steps, in order. Each is a module with:

NAME                          the step's name in the manifest and on the command line
enabled(cfg) -> bool          whether this pipeline runs it (cooccur only for svd, phrases
                              only when [phrases] enabled)
settings(cfg) -> dict         the part of the config the step depends on (hashed)
inputs(cfg, run_dir)  -> {name: Path}   files it reads
outputs(cfg, run_dir) -> {name: Path}   artifacts it writes (each atomically)
run(inputs, outputs, config) -> dict    does the work; returns row counts and facts
"""

from pipelines.steps import cooccur, encode, evaluate, export, phrases, tokenize, train, vocab

STEPS = (phrases, tokenize, vocab, encode, cooccur, train, evaluate, export)
NAMES = tuple(s.NAME for s in STEPS)
