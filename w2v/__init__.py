"""w2v: word embeddings from raw text.

import w2v
vec = w2v.load("w2v-model")
vec.most_similar("frog")
"""

__version__ = "0.1.0"

from w2v.corpus import EncodedCorpus, encode  # noqa: E402
from w2v.errors import CorpusError, ModelError, UnknownWordError, UserError  # noqa: E402
from w2v.evaluate import evaluate_analogies, evaluate_pairs  # noqa: E402
from w2v.formats import read_vectors, read_word2vec, write_word2vec  # noqa: E402
from w2v.io import ModelFiles, load_model, save_model  # noqa: E402
from w2v.tokenize import iter_sentences, tokenize  # noqa: E402
from w2v.vectors import Vectors, load  # noqa: E402
from w2v.vocab import Vocab, build_vocab, default_corpus  # noqa: E402

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
    "write_word2vec",
]
