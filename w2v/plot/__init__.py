"""Pictures, drawn with matplotlib (the `plot` extra).

    figures.py      words and their neighbours, an analogy's parallel offsets, the loss curve
    labels.py       label placement without overlaps
    playground.py   the playground's decision surface and network

Without matplotlib, a figure function raises MissingExtra naming the extra to install.
"""
