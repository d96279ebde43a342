"""w2v: word embeddings from raw text.

import w2v
vec = w2v.load("w2v-model")
vec.most_similar("frog")
"""

__version__ = "0.1.0"

# Names are imported on first use (PEP 562), so `import w2v` and a query from the command
# line do not pay for Numba, SciPy or PyArrow until they are needed.
_EXPORTS = {
    "LsaConfig": "w2v.lsa",
    "MLPClassifier": "w2v.mlp",
    "TrainConfig": "w2v.config",
    "CorpusError": "w2v.errors",
    "EncodedCorpus": "w2v.corpus",
    "ModelError": "w2v.errors",
    "ModelFiles": "w2v.io",
    "UnknownWordError": "w2v.errors",
    "UserError": "w2v.errors",
    "Vectors": "w2v.vectors",
    "Vocab": "w2v.vocab",
    "build_vocab": "w2v.vocab",
    "cooccurrence": "w2v.cooccur",
    "default_corpus": "w2v.vocab",
    "encode": "w2v.corpus",
    "evaluate_analogies": "w2v.evaluate",
    "evaluate_pairs": "w2v.evaluate",
    "iter_sentences": "w2v.tokenize",
    "load": "w2v.vectors",
    "load_model": "w2v.io",
    "read_vectors": "w2v.formats",
    "read_word2vec": "w2v.word2vec_format",
    "save_model": "w2v.io",
    "write_word2vec": "w2v.word2vec_format",
}


def __getattr__(name: str):
    # w2v.train, w2v.lsa and w2v.tokenize are modules that can be called (callable_module.py).
    import importlib

    module = _EXPORTS.get(name)
    if module is None:  # a submodule, e.g. w2v.formats
        try:
            return importlib.import_module(f"w2v.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"w2v.{name}":  # the submodule exists; something it needs is missing
                raise
            raise AttributeError(f"module 'w2v' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))


__all__ = sorted(["lsa", "tokenize", "train", *_EXPORTS])
