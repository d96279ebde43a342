"""w2v: word embeddings from raw text.

import w2v
vec = w2v.load("w2v-model")
vec.most_similar("frog")
"""

__version__ = "0.1.0"

from w2v.config import TrainConfig  # noqa: E402
from w2v.corpus import EncodedCorpus, encode  # noqa: E402
from w2v.errors import CorpusError, ModelError, UnknownWordError, UserError  # noqa: E402
from w2v.evaluate import evaluate_analogies, evaluate_pairs  # noqa: E402
from w2v.formats import read_vectors, read_word2vec, write_word2vec  # noqa: E402
from w2v.io import ModelFiles, load_model, save_model  # noqa: E402
from w2v.tokenize import iter_sentences, tokenize  # noqa: E402
from w2v.vectors import Vectors, load  # noqa: E402
from w2v.vocab import Vocab, build_vocab, default_corpus  # noqa: E402


def __getattr__(name: str):
    # w2v.train is a callable module (w2v.train(source, **config), w2v.train.train_encoded),
    # imported on first use so that `import w2v` does not load Numba
    if name == "train":
        import importlib

        return importlib.import_module("w2v.train")
    raise AttributeError(f"module 'w2v' has no attribute {name!r}")


__all__ = [
    "CorpusError",
    "EncodedCorpus",
    "ModelError",
    "ModelFiles",
    "UnknownWordError",
    "UserError",
    "Vectors",
    "Vocab",
    "build_vocab",
    "default_corpus",
    "encode",
    "evaluate_analogies",
    "evaluate_pairs",
    "iter_sentences",
    "load",
    "load_model",
    "read_vectors",
    "read_word2vec",
    "save_model",
    "tokenize",
    "train",
    "TrainConfig",
    "write_word2vec",
]
