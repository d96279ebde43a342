"""The playground pictures in docs/: each 2-D data set, a single neuron against a network.

    PYTHONPATH=. python scripts/playground_pictures.py [--out docs]

Writes docs/playground-<data>-neuron.png (no hidden layer) and
docs/playground-<data>-network.png (hidden layers that can draw the boundary) for xor,
circles, moons, spiral and gauss, all at the command's defaults (500 points, half of
them test, noise 0.1, seed 0, 200 epochs of SGD at 0.1 in batches of 10) except where
DATA and NETWORKS say otherwise, and prints the test accuracy of each.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from w2v.lecture.datasets2d import DATASETS
from w2v.lecture.playground import train_playground
from w2v.plot.playground import draw

# One hidden layer of 8 tanh units is enough for xor, circles and gauss; moons' S-bend
# is drawn sooner by two. The spiral needs more capacity and a faster optimiser, and at
# noise 0.1 its arms (0.29 apart) blur into each other, so it is drawn at noise 0.05.
DATA = {name: {} for name in DATASETS}
DATA["spiral"] = {"noise": 0.05}
NETWORKS = {name: {"hidden": (8,)} for name in DATASETS}
NETWORKS["moons"] = {"hidden": (8, 8)}
NETWORKS["spiral"] = {
    "hidden": (32, 32),
    "activation": "relu",
    "solver": "adam",
    "lr": 0.01,
    "epochs": 300,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=REPO / "docs")
    ap.add_argument("--dpi", type=int, default=80)
    args = ap.parse_args()
    print(f"{'data':10}{'single neuron':>15}{'network':>10}  network")
    for name in DATASETS:
        neuron = train_playground(name, hidden=(), **DATA[name])
        draw(neuron, args.out / f"playground-{name}-neuron.png", dpi=args.dpi)
        settings = {"activation": "tanh", **NETWORKS[name], **DATA[name]}
        network = train_playground(name, **settings)
        draw(network, args.out / f"playground-{name}-network.png", dpi=args.dpi)
        acc_n, acc_m = neuron.history[-1].test_acc, network.history[-1].test_acc
        print(f"{name:10}{acc_n:15.1%}{acc_m:10.1%}  {settings}")


if __name__ == "__main__":
    main()
