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
