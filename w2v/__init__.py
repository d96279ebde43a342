"""w2v: word embeddings from raw text.

import w2v
vec = w2v.load("w2v-model")
vec.most_similar("frog")
"""

__version__ = "0.1.0"

from w2v.corpus import EncodedCorpus, encode  # noqa: E402
from w2v.errors import CorpusError, ModelError, UnknownWordError, UserError  # noqa: E402
from w2v.io import ModelFiles, load_model, save_model  # noqa: E402
from w2v.mlp import MLPClassifier  # noqa: E402
from w2v.tokenize import iter_sentences, tokenize  # noqa: E402
from w2v.vectors import Vectors, load  # noqa: E402
from w2v.vocab import Vocab, build_vocab, default_corpus  # noqa: E402

__all__ = [
    "CorpusError",
    "EncodedCorpus",
    "MLPClassifier",
    "ModelError",
    "ModelFiles",
    "UnknownWordError",
    "UserError",
    "Vectors",
    "Vocab",
    "build_vocab",
    "default_corpus",
    "encode",
    "iter_sentences",
    "load",
    "load_model",
    "save_model",
    "tokenize",
]
