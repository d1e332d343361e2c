"""genlab bench's PyTorch peer: the same train steps as genlab's bench cases.

Run by `genlab bench --peer pytorch` (which sets OPENBLAS_NUM_THREADS=1 so that OpenBLAS
does not start its own threads beside torch's). Prints one JSON line:
{"model": ..., "steps_per_s": ..., "loss_first": ..., "loss_last": ..., "settings": ...}.
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class MLPVAE(nn.Module):
    # 784-512-256-z20, ReLU, Bernoulli decoder: genlab's vae with Arch=mlp, Hidden=[512,256].
    def __init__(self, z=20):
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU())
        self.mu, self.logvar = nn.Linear(256, z), nn.Linear(256, z)
        self.dec = nn.Sequential(nn.Linear(z, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 784))

    def decode(self, z):
        return self.dec(z).view(-1, 1, 28, 28)


class ConvVAE(nn.Module):
    # 28 -> 14 -> 7 with k4 s2 p1 convs (32, 64 channels), LeakyReLU, z16; mirrored with
    # transposed convs: genlab's vae with Arch=conv, Channels=[32,64], Latent=16.
    def __init__(self, z=16):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.LeakyReLU(0.01), nn.Conv2d(32, 64, 4, 2, 1),
                                 nn.LeakyReLU(0.01), nn.Flatten())
        self.mu, self.logvar = nn.Linear(7 * 7 * 64, z), nn.Linear(7 * 7 * 64, z)
        self.project = nn.Linear(z, 7 * 7 * 64)
        self.up = nn.Sequential(nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.LeakyReLU(0.01),
                                nn.ConvTranspose2d(32, 1, 4, 2, 1))

    def decode(self, z):
        return self.up(F.leaky_relu(self.project(z), 0.01).view(-1, 64, 7, 7))


def vae_step(model, opt, x):
    h = model.enc(x)
    mu, logvar = model.mu(h), model.logvar(h).clamp(-20, 10)
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    logits = model.decode(z)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(1)
    loss = (recon + kl).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.item()


class DCGAN:
    # D: conv k4 s2 64 -> conv k4 s2 128 -> dense; G: z100 -> dense 7x7x128 -> convT k4 s2 64
    # -> convT k4 s2 1, tanh; non-saturating loss, Adam(2e-4, beta1=0.5).
    # With bn (dcgan_bn): BatchNorm2d after G's projection and first convT and after D's
    # second conv, where genlab's gan.Config.BatchNorm puts it.
    def __init__(self, bn=False):
        norm = (lambda c: nn.BatchNorm2d(c)) if bn else (lambda c: nn.Identity())
        self.D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1),
                               norm(128), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(7 * 7 * 128, 1))
        self.G = nn.Sequential(nn.Linear(100, 7 * 7 * 128), nn.Unflatten(1, (128, 7, 7)), norm(128), nn.ReLU(),
                               nn.ConvTranspose2d(128, 64, 4, 2, 1), norm(64), nn.ReLU(),
                               nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
        self.optD = torch.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optG = torch.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def step(self, x):
        b = x.shape[0]
        real = x * 2 - 1
        fake = self.G(torch.randn(b, 100)).detach()
        lossD = F.softplus(-self.D(real)).mean() + F.softplus(self.D(fake)).mean()
        self.optD.zero_grad(set_to_none=True)
        lossD.backward()
        self.optD.step()
        lossG = F.softplus(-self.D(self.G(torch.randn(b, 100)))).mean()
        self.optG.zero_grad(set_to_none=True)
        lossG.backward()
        self.optG.step()
        return lossD.item() + lossG.item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, choices=["mlp_vae", "conv_vae", "dcgan", "dcgan_bn"])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    batch = 64 if a.model.startswith("dcgan") else 128
    x = (torch.rand(batch, 1, 28, 28) < 0.3).float()  # a fixed binary batch, as genlab's
    if a.model.startswith("dcgan"):
        gan = DCGAN(bn=a.model == "dcgan_bn")
        step = lambda: gan.step(x)
    else:
        model = MLPVAE() if a.model == "mlp_vae" else ConvVAE()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        step = lambda: vae_step(model, opt, x)
    for _ in range(a.warmup):
        first = step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        last = step()
    rate = a.steps / (time.perf_counter() - t0)
    settings = "torch %s, torch.set_num_threads(%d), OPENBLAS_NUM_THREADS=%s, OMP_WAIT_POLICY=%s" % (
        torch.__version__, torch.get_num_threads(), os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
        os.environ.get("OMP_WAIT_POLICY", "unset"))
    print(json.dumps({"model": a.model, "steps_per_s": rate, "loss_first": first, "loss_last": last,
                      "settings": settings}))


if __name__ == "__main__":
    main()
