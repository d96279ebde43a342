"""Compiled Numba kernels: plain functions of contiguous arrays and scalars, nothing else.

    sampling   random streams, the noise alias table, subsampling, σ and the loss helpers
    wordtable  counting and encoding tokens with an open-addressing hash table
    keytable   hash tables of byte-string keys (records in an arena) and of id pairs
    bigrams    token and bigram counts as gensim's Phrases keeps them; phrase scores
    joining    phrases joined in text (gensim's FrozenPhrases)
    prefetch   a software prefetch of matrix rows (an LLVM intrinsic)
    chunk      the training walk: train_chunk (spans in parallel) / train_span (one span)
    sgns       the skip-gram negative-sampling step: sgns_centre
    cbow       the CBOW negative-sampling step: cbow_centre
    subword    fastText's skip-gram and CBOW: inputs are means of word and n-gram rows
    ngrams     fastText's n-gram buckets of a vocabulary; a fastText model's word vectors
    cooccur    window pairs: emitted as sorted keys, radix-sorted, run-length reduced
    lsa        helpers of the PPMI transform

U is the input matrix (gensim wv.vectors, word2vec.c syn0), V the output matrix (gensim and
word2vec.c syn1neg). Every kernel is compiled on first use and cached on disk (cache=True).
"""


def _light_blas_check() -> None:
    """Numba's CPU target, at its first compile or cache load, imports numba.np.arraymath,
    which imports scipy.linalg only to learn whether np.dot may call BLAS: 0.2 s of every
    run's start, before the first kernel. These kernels call no BLAS. So arraymath is
    imported here with that check answered by finding scipy instead of importing it, and
    Numba's own check is put back for whatever compiles BLAS calls later (which imports
    scipy.linalg then, as before)."""
    import importlib.util

    import numba.np.linalg as linalg

    def scipy_is_there() -> None:
        if importlib.util.find_spec("scipy") is None:
            raise ImportError("scipy 0.16+ is required for linear algebra")

    numba_check = linalg.ensure_blas
    linalg.ensure_blas = scipy_is_there
    try:
        import numba.np.arraymath  # noqa: F401 (the import is the point)
    finally:
        linalg.ensure_blas = numba_check


_light_blas_check()
