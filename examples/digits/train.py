#!/usr/bin/env python3
"""Trains the demo model: a small CNN on the 8x8 handwritten digits that Debian's python3-sklearn
ships (sklearn.datasets.load_digits, 1797 images), exports it with torch.jit.script to digits.pt,
writes a few held-out test images as PNGs into samples/, and records the test accuracy in
ACCURACY.txt. Deterministic: fixed seeds, one thread. Run with /usr/bin/python3."""
import pathlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from sklearn.datasets import load_digits

here = pathlib.Path(__file__).resolve().parent


class DigitNet(nn.Module):
    """Input: N x 1 x 8 x 8 floats in [0, 1] (pixel / 255 of the sample PNGs). Output: N x 10 logits."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    digits = load_digits()
    # Pixels are 0..16; the PNGs store round(v * 255 / 16), and the model sees png / 255.
    images = np.round(digits.images * 255.0 / 16.0).astype(np.uint8)
    labels = digits.target.astype(np.int64)
    order = rng.permutation(len(images))
    test_n = 360
    test_idx, train_idx = order[:test_n], order[test_n:]

    def to_tensor(idx):
        return torch.from_numpy(images[idx].astype(np.float32) / 255.0).unsqueeze(1)

    x_train, y_train = to_tensor(train_idx), torch.from_numpy(labels[train_idx])
    x_test, y_test = to_tensor(test_idx), torch.from_numpy(labels[test_idx])

    model = DigitNet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for epoch in range(30):
        model.train()
        perm = torch.randperm(len(x_train))
        for i in range(0, len(perm), 64):
            b = perm[i:i + 64]
            loss = F.cross_entropy(model(x_train[b]), y_train[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    scripted = torch.jit.script(model)
    scripted.save(str(here / "digits.pt"))

    samples = here / "samples"
    samples.mkdir(exist_ok=True)
    written = set()
    for i in test_idx:
        d = int(labels[i])
        if d in written:
            continue
        Image.fromarray(images[i], mode="L").save(samples / f"digit_{d}.png")
        written.add(d)
        if len(written) == 10:
            break
    (here / "ACCURACY.txt").write_text(
        f"test accuracy: {accuracy * 100:.2f}% on {test_n} held-out images "
        f"(sklearn digits, seed 0, 30 epochs)\n")
    print(f"test accuracy {accuracy * 100:.2f}%")


if __name__ == "__main__":
    main()
