"""The lecture's reference maths, which the tests check the fast code against, and its demos.

    autodiff.py     forward and reverse-mode differentiation of scalar functions
    softmax.py      the full-softmax skip-gram loss and its gradient, for small vocabularies
    datasets2d.py   the 2-D toy data sets of the playground (xor, circles, moons, ...)
    playground.py   an MLP trained on one of them, epoch by epoch (w2v playground)

Nothing here is fast: it is the maths written plainly, for reading and for checking.
"""
