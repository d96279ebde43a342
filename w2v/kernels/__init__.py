"""Compiled Numba kernels: plain functions of contiguous arrays and scalars, nothing else.

    sampling   random streams, the noise alias table, subsampling, σ and the loss helpers
    wordtable  counting and encoding tokens with an open-addressing hash table
    sgns       skip-gram with negative sampling: sgns_chunk (parallel) / sgns_span (one span)
    cbow       CBOW with negative sampling: cbow_chunk / cbow_span, the same signature
    cooccur    window pairs: emitted as sorted keys, radix-sorted, run-length reduced
    lsa        helpers of the PPMI transform

U is the input matrix (gensim wv.vectors, word2vec.c syn0), V the output matrix (gensim and
word2vec.c syn1neg). Every kernel is compiled on first use and cached on disk (cache=True).
"""
