"""The pipeline on a Dask cluster: the same TOML config, its heavy steps as Dask tasks.

    w2v pipeline run w2v.toml --dask tcp://scheduler:8786    # an existing cluster
    w2v pipeline run w2v.toml --local-cluster 2              # N local worker processes

cluster.py       connect: a distributed.Client to a scheduler or to a LocalCluster
shards.py        input shards: corpus files, or byte ranges of a large plain-text file
executor.py      DaskExecutor: tokenize, vocab, encode, cooccur and train as Dask tasks
dataparallel.py  data-parallel SGNS/CBOW: rounds of scattered weights, averaged row updates

Needs the optional extra `w2v[dask]` (dask, distributed); nothing here imports them until
a run asks for a cluster.
"""
