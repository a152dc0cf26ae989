"""The four SSGAN models of ssgan (include/ssgan/gan/mnist_models.hpp, cifar_models.hpp) in
PyTorch, layer for layer, for the speed comparison. Each discriminator returns its logits and
the features the generator matches. TensorFlow's asymmetric SAME padding of a stride-2
convolution becomes PyTorch's symmetric padding with the same output size and the same work.
"""

import torch
from torch import nn
from torch.nn.utils import weight_norm


class GaussianNoise(nn.Module):
    """Adds N(0, sigma^2) noise in training mode, as ssgan's gaussian_noise."""

    def __init__(self, sigma):
        super().__init__()
        self.sigma = sigma

    def forward(self, x):
        if self.training:
            return x + torch.randn_like(x) * self.sigma
        return x


class Discriminator(nn.Module):
    """A layer list whose output at `feature_index` (0-based, as in ssgan) is also returned."""

    def __init__(self, layers, feature_index):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.feature_index = feature_index

    def forward(self, x):
        features = None
        for index, layer in enumerate(self.layers):
            x = layer(x)
            if index == self.feature_index:
                features = x
        return x, features


def mnist_improved():
    """Salimans et al.'s permutation-invariant MNIST model: weight-normalized dense layers."""
    layers = [nn.Flatten(), GaussianNoise(0.3)]
    widths = [784, 1000, 500, 250, 250, 250]
    for inputs, units in zip(widths, widths[1:]):
        layers += [weight_norm(nn.Linear(inputs, units)), nn.ReLU(), GaussianNoise(0.5)]
    layers += [weight_norm(nn.Linear(250, 10))]
    d = Discriminator(layers, feature_index=15)
    g = nn.Sequential(
        nn.Linear(100, 500), nn.Softplus(), nn.BatchNorm1d(500),
        nn.Linear(500, 500), nn.Softplus(), nn.BatchNorm1d(500),
        weight_norm(nn.Linear(500, 784)), nn.Sigmoid(),
        nn.Unflatten(1, (1, 28, 28)))
    return d, g


def _seed_discriminator(channels, widths, features):
    layers = []
    for inputs, filters in zip([channels] + widths, widths):
        layers += [nn.Conv2d(inputs, filters, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
                   nn.BatchNorm2d(filters), nn.Dropout(0.5)]
    layers += [nn.Flatten(), nn.Linear(features, 11)]
    return Discriminator(layers, feature_index=12)


def _seed_generator(specs):
    """specs: (in, out, kernel, stride) per transposed convolution, valid padding."""
    layers = [nn.Unflatten(1, (100, 1, 1))]
    for index, (inputs, filters, kernel, stride) in enumerate(specs):
        layers.append(nn.ConvTranspose2d(inputs, filters, kernel, stride=stride))
        if index + 1 < len(specs):
            layers += [nn.ReLU(), nn.BatchNorm2d(filters)]
    layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def mnist_seed():
    """SSGAN-Tensorflow's MNIST design: 28 -> 14 -> 7 -> 4, K + 1 logits."""
    d = _seed_discriminator(1, [32, 64, 128], 128 * 4 * 4)
    g = _seed_generator([(100, 100, 2, 1), (100, 25, 3, 2), (25, 6, 4, 2), (6, 1, 6, 2)])
    return d, g


def cifar_seed():
    """SSGAN-Tensorflow's 32x32x3 design: 32 -> 16 -> 8 -> 4, K + 1 logits."""
    d = _seed_discriminator(3, [64, 128, 256], 256 * 4 * 4)
    g = _seed_generator([(100, 384, 2, 1), (384, 128, 4, 2), (128, 64, 4, 2), (64, 3, 6, 2)])
    return d, g


def cifar_improved():
    """Salimans et al.'s CIFAR-10 model: weight-normalized all-convolutional D, deconv G."""

    def conv(inputs, filters, kernel, stride=1, padding=None):
        if padding is None:
            padding = kernel // 2
        return [weight_norm(nn.Conv2d(inputs, filters, kernel, stride, padding)),
                nn.LeakyReLU(0.2)]

    layers = [nn.Dropout(0.2)]
    layers += conv(3, 96, 3) + conv(96, 96, 3) + conv(96, 96, 3, 2) + [nn.Dropout(0.5)]
    layers += conv(96, 192, 3) + conv(192, 192, 3) + conv(192, 192, 3, 2) + [nn.Dropout(0.5)]
    layers += conv(192, 192, 3, 1, 0) + conv(192, 192, 1) + conv(192, 192, 1)
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), weight_norm(nn.Linear(192, 10))]
    # ssgan's global_average_pool gives the pooled features directly (its index 21); here the
    # pooling and the flatten are two modules, so the features come out of the flatten.
    d = Discriminator(layers, feature_index=22)

    def up(inputs, filters):
        return nn.ConvTranspose2d(inputs, filters, 5, stride=2, padding=2, output_padding=1)

    g = nn.Sequential(
        nn.Linear(100, 4 * 4 * 512), nn.BatchNorm1d(4 * 4 * 512), nn.ReLU(),
        nn.Unflatten(1, (512, 4, 4)),
        up(512, 256), nn.BatchNorm2d(256), nn.ReLU(),
        up(256, 128), nn.BatchNorm2d(128), nn.ReLU(),
        weight_norm(up(128, 3), dim=1), nn.Tanh())
    return d, g


# name -> (constructor, image shape C x H x W, explicit fake class, objective, settings)
MODELS = {
    ("improved", "28x28x1"): (mnist_improved, (1, 28, 28), False, "feature_matching",
                              dict(lr=0.003, beta1=0.5, weight=0.5, smoothing=0.0, clip=0.0,
                                   noise=(0.0, 1.0), pixels=(0.0, 1.0))),
    ("seed", "28x28x1"): (mnist_seed, (1, 28, 28), True, "non_saturating",
                          dict(lr=1e-4, g_ratio=2.0, beta1=0.5, weight=1.0, smoothing=0.1,
                               clip=20.0, noise=(-1.0, 1.0), pixels=(-1.0, 1.0))),
    ("improved", "32x32x3"): (cifar_improved, (3, 32, 32), False, "feature_matching",
                              dict(lr=3e-4, beta1=0.5, weight=0.5, smoothing=0.0, clip=0.0,
                                   noise=(0.0, 1.0), pixels=(-1.0, 1.0))),
    ("seed", "32x32x3"): (cifar_seed, (3, 32, 32), True, "non_saturating",
                          dict(lr=1e-4, g_ratio=2.0, beta1=0.5, weight=1.0, smoothing=0.1,
                               clip=20.0, noise=(-1.0, 1.0), pixels=(-1.0, 1.0))),
}
