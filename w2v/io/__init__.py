"""Files: the model directory and the formats other tools read and write.

atomic.py       atomic, durable, owned writes (the one rule for what w2v may replace)
model_dir.py    the model directory: meta.json, vocab.parquet, vectors.npy, contexts.npy
arrow.py        Arrow/Parquet columns without pandas; vocabulary tables
word2vec.py     word2vec text and binary vectors (read and write)
formats.py      Parquet vectors, the Embedding Projector, and the choice among formats
compressed.py   .gz / .bz2 / .xz by suffix
phrase_file.py  a saved PhraseModel (Parquet rows phrase, score, count, pass)
"""
