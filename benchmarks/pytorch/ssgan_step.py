#!/usr/bin/python3
"""One SSGAN training iteration in PyTorch, the one benchmarks/training_step.cpp times: the
discriminator's step on a labeled, an unlabeled and a generated batch (Adam, then the moving
average of its weights), then one generator step (feature matching or the non-saturating
loss) with the discriminator's weights frozen. Synthetic 8-bit images, converted per batch.

Prints one JSON object: images/s (batch images per iteration), seconds per iteration, peak
resident memory, thread count and the BLAS PyTorch loaded.

    ssgan_step.py --model seed --shape 28x28x1 --batch 100 --threads 2 --min-time 5
"""

import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ssgan_models import MODELS  # noqa: E402


def loaded_blas():
    """The BLAS library file this process mapped (Debian's alternatives decide which)."""
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            name = os.path.basename(path)
            if name.startswith(("libblas", "libopenblas", "libmkl", "libblis")):
                found.add(os.path.realpath(path))
    return sorted(found)


def real_unlabeled_loss(logits, explicit_fake):
    """-log D(x) = softplus(-(l - z_fake)), l the log-sum-exp of the real classes' logits."""
    if explicit_fake:
        u = torch.logsumexp(logits[:, :-1], dim=1) - logits[:, -1]
    else:
        u = torch.logsumexp(logits, dim=1)
    return F.softplus(-u).mean()


def fake_loss(logits, explicit_fake):
    """-log(1 - D(x)) = softplus(l - z_fake)."""
    if explicit_fake:
        u = torch.logsumexp(logits[:, :-1], dim=1) - logits[:, -1]
    else:
        u = torch.logsumexp(logits, dim=1)
    return F.softplus(u).mean()


def labeled_loss(logits, labels, explicit_fake, smoothing):
    if not explicit_fake:
        return F.cross_entropy(logits, labels)
    # K + 1 classes, target 1 - eps on the true class and eps on the fake class.
    log_p = F.log_softmax(logits, dim=1)
    true = log_p.gather(1, labels[:, None])[:, 0]
    return -((1.0 - smoothing) * true + smoothing * log_p[:, -1]).mean()


class Iteration:
    def __init__(self, model, shape, batch, seed=1):
        make, image, explicit_fake, objective, chosen = MODELS[(model, shape)]
        torch.manual_seed(seed)
        self.d, self.g = make()
        self.d.train()
        self.g.train()
        self.batch = batch
        self.explicit_fake = explicit_fake
        self.objective = objective
        self.chosen = chosen
        lr = chosen["lr"]
        betas = (chosen["beta1"], 0.999)
        self.d_optimizer = torch.optim.Adam(self.d.parameters(), lr=lr, betas=betas, eps=1e-8)
        self.g_optimizer = torch.optim.Adam(self.g.parameters(),
                                            lr=lr * chosen.get("g_ratio", 1.0), betas=betas,
                                            eps=1e-8)
        self.d_parameters = list(self.d.parameters())
        self.g_parameters = list(self.g.parameters())
        self.ema = [p.detach().clone() for p in self.d_parameters]

        count = 1000
        self.images = torch.randint(0, 256, (count,) + tuple(image), dtype=torch.uint8)
        self.labels = torch.arange(count) % 10
        low, high = chosen["pixels"]
        self.pixel_scale = (high - low) / 255.0
        self.pixel_low = low
        self.count = count
        self.noise = torch.empty(batch, 100)

    def draw(self, with_labels=False):
        index = torch.randint(0, self.count, (self.batch,))
        images = self.images[index].float().mul_(self.pixel_scale).add_(self.pixel_low)
        return (images, self.labels[index]) if with_labels else images

    def draw_noise(self):
        low, high = self.chosen["noise"]
        return self.noise.uniform_(low, high)

    def clip(self, parameters):
        if self.chosen["clip"] > 0.0:
            torch.nn.utils.clip_grad_norm_(parameters, self.chosen["clip"])

    def step(self):
        weight = self.chosen["weight"]

        # The discriminator: labeled, unlabeled and generated batches.
        self.d_optimizer.zero_grad(set_to_none=True)
        images, labels = self.draw(with_labels=True)
        logits, _ = self.d(images)
        loss = labeled_loss(logits, labels, self.explicit_fake, self.chosen["smoothing"])
        logits, _ = self.d(self.draw())
        loss = loss + weight * real_unlabeled_loss(logits, self.explicit_fake)
        with torch.no_grad():
            fake = self.g(self.draw_noise())
        logits, _ = self.d(fake)
        loss = loss + weight * fake_loss(logits, self.explicit_fake)
        loss.backward()
        self.clip(self.d_parameters)
        self.d_optimizer.step()
        with torch.no_grad():
            torch._foreach_mul_(self.ema, 0.999)
            torch._foreach_add_(self.ema, self.d_parameters, alpha=0.001)

        # The generator, through the discriminator with its weights frozen.
        for p in self.d_parameters:
            p.requires_grad_(False)
        self.g_optimizer.zero_grad(set_to_none=True)
        if self.objective == "feature_matching":
            with torch.no_grad():
                _, real_features = self.d(self.draw())
                target = real_features.mean(dim=0)
            _, fake_features = self.d(self.g(self.draw_noise()))
            g_loss = (fake_features.mean(dim=0) - target).square().mean()
        else:
            logits, _ = self.d(self.g(self.draw_noise()))
            g_loss = real_unlabeled_loss(logits, self.explicit_fake)
        g_loss.backward()
        self.clip(self.g_parameters)
        self.g_optimizer.step()
        for p in self.d_parameters:
            p.requires_grad_(True)
        return loss.item(), g_loss.item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=["seed", "improved"], required=True)
    parser.add_argument("--shape", choices=["28x28x1", "32x32x3"], required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--min-time", type=float, default=5.0,
                        help="seconds of timed iterations at least (default 5)")
    parser.add_argument("--min-iterations", type=int, default=3)
    arguments = parser.parse_args()

    torch.set_num_threads(arguments.threads)
    iteration = Iteration(arguments.model, arguments.shape, arguments.batch)
    iteration.step()  # the first iteration sets up what PyTorch caches

    done = 0
    start = time.perf_counter()
    while True:
        iteration.step()
        done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= arguments.min_time and done >= arguments.min_iterations:
            break

    print(json.dumps({
        "name": f"{arguments.model}/{arguments.shape}/batch:{arguments.batch}"
                f"/threads:{arguments.threads}",
        "images_per_s": arguments.batch * done / elapsed,
        "seconds_per_iteration": elapsed / done,
        "iterations": done,
        "peak_rss_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "blas": loaded_blas(),
    }))


if __name__ == "__main__":
    main()
