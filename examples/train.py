"""A small real training run: logistic regression on a synthetic 2-D dataset, in pure Python.

It logs loss and accuracy to W&B when the `wandb` package is installed (slipway injects WANDB_PROJECT, WANDB_MODE,
the API key, ...), and prints them either way. Run it through slipway:

    slipway launch --config examples/env.toml --profile local -- python3 examples/train.py --epochs 20
"""

import argparse
import math
import os
import random


def make_data(n, rng):
    points = []
    for _ in range(n):
        x1, x2 = rng.gauss(0, 1), rng.gauss(0, 1)
        label = 1 if 1.5 * x1 - x2 + 0.3 + rng.gauss(0, 0.5) > 0 else 0
        points.append(((x1, x2), label))
    return points


def sigmoid(z):
    return 1 / (1 + math.exp(-z)) if z > -30 else 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=20000)
    args = parser.parse_args()

    tracked = [name for name in sorted(os.environ) if name.startswith("WANDB_")]
    shown = [f"{name}=***" if name == "WANDB_API_KEY" else f"{name}={os.environ[name]}" for name in tracked]
    print("tracking env:", ", ".join(shown) or "none", flush=True)

    run = None
    try:
        import wandb  # noqa: PLC0415 - optional

        run = wandb.init(config=vars(args))
        print(f"wandb run {run.name} in project {run.project} ({os.environ.get('WANDB_MODE', 'online')})", flush=True)
    except ImportError:
        print("wandb is not installed: metrics are printed only", flush=True)

    rng = random.Random(args.seed)
    data = make_data(args.samples, rng)
    w1 = w2 = b = 0.0
    for epoch in range(1, args.epochs + 1):
        rng.shuffle(data)
        loss = 0.0
        correct = 0
        for (x1, x2), y in data:
            p = sigmoid(w1 * x1 + w2 * x2 + b)
            loss -= math.log(p if y else 1 - p) if 0 < p < 1 else 0
            correct += int((p > 0.5) == bool(y))
            g = p - y
            w1 -= args.lr * g * x1 / len(data)
            w2 -= args.lr * g * x2 / len(data)
            b -= args.lr * g / len(data)
        metrics = {"epoch": epoch, "loss": loss / len(data), "accuracy": correct / len(data)}
        print(f"epoch {epoch:3d}  loss {metrics['loss']:.4f}  accuracy {metrics['accuracy']:.3f}", flush=True)
        if run is not None:
            run.log(metrics)

    if run is not None:
        run.finish()
    print("done", flush=True)


if __name__ == "__main__":
    main()
