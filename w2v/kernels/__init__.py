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
word2vec.c syn1neg). Every kernel is compiled on first use and cached on disk (cache=True),
and a cached kernel is used only while every file of this package is as it was compiled
(see _stamp_caches_by_package).
"""

import hashlib
from pathlib import Path

from numba.core import caching

_PACKAGE = Path(__file__).resolve().parent


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


def _package_digest() -> bytes:
    """SHA-256 over the name and bytes of every module of this package."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


class _PackageStamp:
    """A cache locator's mixin for this package's kernels: the source stamp is the digest of
    the whole package, not of the kernel's own file."""

    digest = b""

    @classmethod
    def from_function(cls, py_func, py_file):
        if Path(py_file).resolve().parent != _PACKAGE:
            return None
        return super().from_function(py_func, py_file)

    def get_source_stamp(self):
        return self.digest


class _UserProvidedCache(_PackageStamp, caching.UserProvidedCacheLocator):
    pass  # $NUMBA_CACHE_DIR


class _InTreeCache(_PackageStamp, caching.InTreeCacheLocator):
    pass  # __pycache__ beside the module


class _UserWideCache(_PackageStamp, caching.UserWideCacheLocator):
    pass  # the user's cache directory, when __pycache__ is not writable


def _stamp_caches_by_package() -> None:
    """Numba keeps a cached kernel while the file that defines it is unchanged, but the
    kernel's machine code also holds the helpers it calls from the other files, inlined, and
    their constants: after an edit of sampling.py (or a `git pull` into an editable install
    that changed it), chunk.py's cached train_chunk would go on running the old helpers.
    So these kernels' caches are stamped with the digest of every file of the package, and
    any change recompiles them all. Same places as Numba's own locators, in its order."""
    _PackageStamp.digest = _package_digest()
    ours = [_UserProvidedCache, _InTreeCache, _UserWideCache]
    caching.CacheImpl._locator_classes[:0] = ours


_light_blas_check()
_stamp_caches_by_package()
