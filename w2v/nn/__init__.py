"""A small neural-network library in plain numpy: the lecture's MLP, module by module.

    layers.py        Dense: a = W h + b, its initialisation per activation; Dropout
    activations.py   Linear, Sigmoid, Tanh, ReLU (element-wise) and Softmax (output)
    losses.py        CrossEntropy, BinaryCrossEntropy, MSE
    network.py       Network: forward, backward (local Jacobian times upstream gradient), λΩ(θ)
    optim.py         SGD (with momentum) and Adam

Every module stores what its backward pass needs during the forward pass, and
`backward(G)` takes the upstream gradient G = ∂J/∂(output) and returns ∂J/∂(input),
multiplying by the module's local Jacobian without ever forming it as a matrix.
The estimator built on these is `w2v.nn.mlp.MLPClassifier`.
"""

from w2v.nn.activations import ACTIVATIONS, Linear, ReLU, Sigmoid, Softmax, Tanh
from w2v.nn.layers import Dense, Dropout
from w2v.nn.losses import LOSSES, MSE, BinaryCrossEntropy, CrossEntropy
from w2v.nn.network import Network, build_network
from w2v.nn.optim import SGD, Adam

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MSE",
    "SGD",
    "Adam",
    "BinaryCrossEntropy",
    "CrossEntropy",
    "Dense",
    "Dropout",
    "Linear",
    "Network",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "build_network",
]
