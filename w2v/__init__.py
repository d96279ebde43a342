"""w2v: word embeddings from raw text.

    import w2v
    vec = w2v.load("w2v-model")
    vec.most_similar("frog")

The modules, by role (the flow is text → tokens → Vocab → encoded corpus → trainer → Vectors):

    tokens, scan          text → tokens (scan: the fast path for files, Numba word table)
    vocab, corpus         Vocab (counts, min_count) and the encoded corpus (ids.npy, offsets.npy)
    collocations          phrases: frequent bigrams joined into tokens, as gensim (w2v.phrases);
                          bigram_counts: the counts and phrase tables behind them
    training              SGNS / CBOW: the epochs of Numba kernel calls (w2v.train);
                          chunks: the walk of an epoch; schedule: the learning rate;
                          run: a run's records (Progress, Position, Model)
    checkpoint, continued checkpoints and resume; training that starts from a model (init=)
    subwords, subword_training   fastText's n-grams (--subwords): buckets, the input matrix
    cooccur, ppmi_svd     co-occurrence counts and PPMI + SVD vectors (w2v.lsa)
    vectors, evaluate     Vectors: lookup, most_similar, analogy; benchmark evaluation
    config, errors        TrainConfig (the one source of training settings); errors a user causes
    kernels/              the Numba kernels, pure functions of arrays
    io/                   the model directory, owned atomic writes, word2vec / Parquet / projector
    nn/                   layers, activations, losses, optimisers, MLPClassifier, the classifier
    lecture/              the lecture's reference maths (autodiff, softmax), 2-D data, playground
    plot/                 matplotlib figures and label placement
    cli/, serve/          the `w2v` command and the HTTP service
"""

__version__ = "0.1.0"

# Names are imported on first use (PEP 562), so `import w2v` and a query from the command
# line do not pay for Numba, SciPy or PyArrow until they are needed.
_EXPORTS = {
    "LsaConfig": "w2v.ppmi_svd",
    "MLPClassifier": "w2v.nn.mlp",
    "TrainConfig": "w2v.config",
    "CorpusError": "w2v.errors",
    "EncodedCorpus": "w2v.corpus",
    "ModelError": "w2v.errors",
    "ModelFiles": "w2v.io.model_dir",
    "PhraseModel": "w2v.collocations",
    "PhrasesConfig": "w2v.config",
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
    "iter_sentences": "w2v.tokens",
    "lsa": "w2v.ppmi_svd",
    "phrases": "w2v.collocations",
    "tokenize": "w2v.tokens",
    "train": "w2v.training",
    "load": "w2v.vectors",
    "load_model": "w2v.io.model_dir",
    "read_vectors": "w2v.io.formats",
    "read_word2vec": "w2v.io.word2vec",
    "save_model": "w2v.io.model_dir",
    "write_word2vec": "w2v.io.word2vec",
}


def __getattr__(name: str):
    import importlib

    module = _EXPORTS.get(name)
    if module is None:  # a submodule, e.g. w2v.vocab
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


__all__ = sorted(_EXPORTS)
