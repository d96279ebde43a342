"""MLPClassifier: the lecture's multi-layer perceptron as a scikit-learn-style estimator.

    clf = MLPClassifier(hidden=(256,), activation="relu").fit(X, y)
    clf.predict(X); clf.predict_proba(X); clf.score(X, y)

Softmax output with cross-entropy for more than two classes, one sigmoid output with
binary cross-entropy for two (loss="mse" trains the same outputs on squared error).
Minibatch SGD (optionally with momentum) or Adam on J(θ) = mean loss + λ Ω(θ), with
Ω(θ) = ½ Σ‖W‖² and λ = `l2`. Early stopping holds out a stratified `validation_fraction`
of the training data, stops once more than `patience` epochs in a row brought no
validation-accuracy gain of `tol`, and keeps the weights of the best epoch (the later one
of a tie). A validation part of fewer than MIN_VALIDATION rows cannot tell epochs apart:
early stopping is then switched off with a warning (SmallDataWarning) and every epoch
trains (scikit-learn refuses one of fewer than 2). Two regularisers beyond the lecture's
are on by default because they are cheap and help on embedding features: dropout of the
hidden units (p = 0.2) and Polyak averaging of the weights (the moving average is what is
validated and kept). Training runs in float32; one `seed` fixes the initialisation, the
validation split, the dropout masks and the batch order, so a run is reproducible.
The network, its backward pass and the optimisers are in `w2v.nn`.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable

import numpy as np

from w2v.errors import SmallDataWarning
from w2v.nn import LOSSES, SGD, Adam, Dense, Network, build_network
from w2v.nn.activations import ACTIVATIONS
from w2v.nn.split import stratified_split

HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
SOLVERS = ("adam", "sgd", "momentum")
MIN_VALIDATION = 50  # rows; below this one row moves validation accuracy by over 2 points


class MLPClassifier:
    """A multi-layer perceptron classifier trained by backpropagation.

    Parameters (stored as given; checked by `fit`):
        hidden          sizes of the hidden layers; () is a single layer of output neurons
        activation      hidden activation g: "relu", "tanh", "sigmoid" or "linear"
        solver          "adam", "sgd" (θ ← θ − η∇J) or "momentum" (SGD with `momentum`)
        lr              learning rate η
        batch_size      minibatch size B (clipped to the number of training rows)
        epochs          maximum number of passes over the training data
        l2              λ, the weight of Ω(θ) = ½ Σ‖W‖²
        dropout         probability of dropping each hidden unit while training (0: none)
        loss            "auto" (cross-entropy / binary cross-entropy) or "mse"
        early_stopping  hold out `validation_fraction` and stop on validation accuracy
                        (off, with a SmallDataWarning, if that is under MIN_VALIDATION rows)
        patience, tol   stop when more than `patience` epochs in a row did not beat the
                        best by `tol`
        averaging       decay d of the moving average of the weights that is validated and
                        kept (Polyak averaging, θ̄ ← d θ̄ + (1 − d) θ after every step,
                        bias-corrected); 0 keeps the last iterate
        seed            fixes initialisation, validation split and batch order
        verbose         print one progress line per epoch on stderr

    Learned attributes: classes_, n_features_in_, network_, weights_ (W⁽ᵏ⁾ [n_out, n_in]),
    biases_, loss_curve_, validation_scores_, best_validation_score_, n_iter_.
    """

    def __init__(
        self,
        hidden: tuple[int, ...] = (256,),
        activation: str = "relu",
        solver: str = "adam",
        lr: float = 3e-3,
        batch_size: int = 400,
        epochs: int = 200,
        l2: float = 1e-5,
        dropout: float = 0.2,
        momentum: float = 0.9,
        loss: str = "auto",
        early_stopping: bool = True,
        averaging: float = 0.99,
        validation_fraction: float = 0.1,
        patience: int = 10,
        tol: float = 1e-4,
        seed: int | None = 0,
        verbose: bool = False,
    ):
        self.hidden = hidden
        self.activation = activation
        self.solver = solver
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.l2 = l2
        self.dropout = dropout
        self.momentum = momentum
        self.loss = loss
        self.early_stopping = early_stopping
        self.averaging = averaging
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.tol = tol
        self.seed = seed
        self.verbose = verbose

    _param_names = (
        "hidden activation solver lr batch_size epochs l2 dropout momentum loss early_stopping "
        "averaging validation_fraction patience tol seed verbose"
    ).split()

    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in self._param_names}

    def set_params(self, **params) -> MLPClassifier:
        for k, v in params.items():
            if k not in self._param_names:
                raise ValueError(f"unknown parameter {k!r}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        return f"MLPClassifier(hidden={tuple(self.hidden)}, activation={self.activation!r})"

    # ---- training -------------------------------------------------------------------

    def _check_params(self) -> None:
        if self.activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"activation must be one of {HIDDEN_ACTIVATIONS}")
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}")
        if self.loss not in ("auto", "mse"):
            raise ValueError("loss must be 'auto' or 'mse'")
        if any(int(h) < 1 for h in self.hidden):
            raise ValueError(f"hidden layer sizes must be positive, not {self.hidden}")
        if self.lr <= 0 or self.batch_size < 1 or self.epochs < 1 or self.l2 < 0:
            raise ValueError("lr, batch_size and epochs must be positive and l2 ≥ 0")
        if not 0 <= self.dropout < 1:
            raise ValueError("dropout must be in [0, 1)")
        if not 0 <= self.averaging < 1:
            raise ValueError("averaging must be in [0, 1)")
        if self.early_stopping and not 0 < self.validation_fraction < 1:
            raise ValueError("validation_fraction must be in (0, 1)")
        if self.early_stopping and not (isinstance(self.patience, int) and self.patience >= 0):
            raise ValueError(f"patience must be an int ≥ 0, not {self.patience!r}")

    def _targets(self, y: np.ndarray) -> np.ndarray:
        """One-hot Y [N, C] (multi-class) or y ∈ {0, 1} as [N, 1] (binary), in float32."""
        k = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return k.astype(np.float32)[:, None]
        Y = np.zeros((len(y), len(self.classes_)), np.float32)
        Y[np.arange(len(y)), k] = 1
        return Y

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        on_epoch: Callable[[MLPClassifier, int, float, float | None], None] | None = None,
    ) -> MLPClassifier:
        """Train on X [N, d] and labels y [N]; returns self.

        `on_epoch(self, epoch, loss, val_score)` is called after every epoch (val_score is
        None without early stopping); the model can predict from inside it.
        """
        self._check_params()
        X = np.ascontiguousarray(X, dtype=np.float32)
        y = np.asarray(y)
        if X.ndim != 2 or len(X) != len(y) or len(X) == 0:
            raise ValueError(f"X {X.shape} and y {y.shape} do not match")
        if not np.isfinite(X).all():
            raise ValueError("X holds NaN or infinite values")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("y needs at least two classes")
        self.n_features_in_ = X.shape[1]
        rng = np.random.default_rng(self.seed)

        binary = len(self.classes_) == 2
        n_out = 1 if binary else len(self.classes_)
        output = "sigmoid" if binary else "softmax"
        loss_name = (
            "mse" if self.loss == "mse" else ("binary_cross_entropy" if binary else "cross_entropy")
        )
        loss = LOSSES[loss_name]()
        hidden = tuple(int(h) for h in self.hidden)
        self.network_ = build_network(
            X.shape[1], hidden, n_out, self.activation, output, rng, dropout=self.dropout
        )
        self._publish()  # views into network_.theta: they follow training
        params = [self.network_.theta]
        if self.solver == "adam":
            opt = Adam(params, lr=self.lr)
        else:
            opt = SGD(
                params, lr=self.lr, momentum=self.momentum if self.solver == "momentum" else 0
            )

        early_stopping = self.early_stopping
        if early_stopping:
            train, val = stratified_split(y, self.validation_fraction, rng)
            if len(val) < MIN_VALIDATION:
                warnings.warn(
                    f"a validation part of {len(val)} rows ({self.validation_fraction:.0%} of "
                    f"{len(y)}) is too small to choose an epoch by (at least "
                    f"{MIN_VALIDATION}): early stopping is off, all {self.epochs} epochs train",
                    SmallDataWarning,
                    stacklevel=2,
                )
                early_stopping = False
            else:
                X_val, y_val = X[val], y[val]
                X, y = X[train], y[train]
        Y = self._targets(y)
        N = len(X)
        B = min(self.batch_size, N)
        self.loss_curve_, self.validation_scores_ = [], []
        self.best_validation_score_ = None
        best, best_params, stale = -np.inf, None, 0
        theta = self.network_.theta
        d = self.averaging
        average = np.zeros_like(theta) if d else None
        steps = 0
        for epoch in range(1, self.epochs + 1):
            order = rng.permutation(N)
            total = 0.0
            for start in range(0, N, B):
                idx = order[start : start + B]
                J = self.network_.loss_and_grads(X[idx], Y[idx], loss, self.l2)
                opt.step([self.network_.grad])
                if d:
                    average *= d
                    average += (1 - d) * theta
                steps += 1
                total += J * len(idx)
            self.loss_curve_.append(total / N)
            self.n_iter_ = epoch
            if d:  # validate (and show on_epoch) the averaged weights, then resume from θ
                last = theta.copy()
                np.multiply(average, 1 / (1 - d**steps), out=theta)
            val_score = None
            if early_stopping:
                val_score = float(np.mean(self.predict(X_val) == y_val))
                self.validation_scores_.append(val_score)
                if val_score >= best:  # a tie: the later epoch has trained longer
                    best_params = self.network_.theta.copy()
                stale = 0 if val_score >= best + self.tol else stale + 1
                best = max(best, val_score)
            if self.verbose:
                msg = f"epoch {epoch:4d}  loss {self.loss_curve_[-1]:.4f}"
                if val_score is not None:
                    msg += f"  val acc {val_score:.4f}"
                print(msg, file=sys.stderr)
            if on_epoch is not None:
                on_epoch(self, epoch, self.loss_curve_[-1], val_score)
            if early_stopping and stale > self.patience:
                break
            if d and epoch < self.epochs:
                theta[...] = last
        if best_params is not None:
            self.network_.theta[...] = best_params
            self.best_validation_score_ = best
        return self

    def _publish(self) -> None:
        self.weights_ = [layer.W for layer in self.network_.layers]
        self.biases_ = [layer.b for layer in self.network_.layers]

    # ---- prediction -----------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise ValueError("this MLPClassifier is not fitted yet; call fit(X, y) first")

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """p(y = c | x) for each row: [N, C], columns in the order of `classes_`."""
        self._check_fitted()
        X = np.ascontiguousarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has shape {X.shape}, expected [N, {self.n_features_in_}]")
        P = self.network_.forward(X)
        if P.shape[1] == 1:
            return np.hstack([1 - P, P])
        return P

    def predict(self, X: np.ndarray) -> np.ndarray:
        self._check_fitted()
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Accuracy of `predict(X)` against y."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    # ---- persistence helpers (arrays only; the file format is the caller's) -----------

    @classmethod
    def from_weights(
        cls, weights: list[np.ndarray], biases: list[np.ndarray], classes: np.ndarray, **params
    ) -> MLPClassifier:
        """A fitted classifier from its learned arrays, e.g. read back from an .npz."""
        clf = cls(**params)
        clf._check_params()
        if len(weights) != len(biases) or len(weights) != len(tuple(clf.hidden)) + 1:
            raise ValueError("weights and biases do not match the hidden layers")
        modules = []
        for k, (W, b) in enumerate(zip(weights, biases, strict=True)):
            last = k == len(weights) - 1
            name = ("sigmoid" if W.shape[0] == 1 else "softmax") if last else clf.activation
            modules += [
                Dense(np.ascontiguousarray(W, np.float32), np.ascontiguousarray(b, np.float32)),
                ACTIVATIONS[name](),
            ]
        clf.network_ = Network(modules)
        clf.classes_ = np.asarray(classes)
        clf.n_features_in_ = weights[0].shape[1]
        n_out = weights[-1].shape[0]
        expected = 1 if len(clf.classes_) == 2 else len(clf.classes_)
        if n_out != expected:
            raise ValueError(f"{n_out} outputs do not fit {len(clf.classes_)} classes")
        clf._publish()
        return clf
