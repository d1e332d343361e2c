"""genlab bench's PyTorch peer: the same train steps as genlab's bench cases, and the
same models trained for a fixed wall time (--race, run by scripts/race.sh).

Run by `genlab bench --peer pytorch` (which sets OPENBLAS_NUM_THREADS=1 so that OpenBLAS
does not start its own threads beside torch's). Prints one JSON line:
{"model": ..., "steps_per_s": ..., "loss_first": ..., "loss_last": ..., "settings": ...}.
"""
import argparse
import json
import math
import os
import sys
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
    # genlab's conv VAE (ae.ConvBody and DecoderLogits): one stride-2 conv per entry of
    # channels, kernel 4 on an even input and 3 on an odd one (28 -> 14 -> 7 -> 4 -> 2
    # for four), LeakyReLU 0.3 (GoMLX's activation.LeakyRelu, which ae.ConvBody calls),
    # a dense code of z; mirrored with transposed convs. channels (32, 64) is the bench
    # case; (32, 64, 64, 128) the command's default. Until 2026-12-03 this peer used 0.01,
    # not genlab's slope, so the races before then ran a different model (BENCHMARKS.md).
    def __init__(self, z=16, channels=(32, 64), side=28, leak=0.3):
        super().__init__()
        self.leak = leak
        sizes = [side]
        for _ in channels:
            sizes.append((sizes[-1] + 1) // 2)
        kernel = lambda n: 4 if n % 2 == 0 else 3
        layers, cin = [], 1
        for i, c in enumerate(channels):
            layers += [nn.Conv2d(cin, c, kernel(sizes[i]), 2, 1), nn.LeakyReLU(leak)]
            cin = c
        self.enc = nn.Sequential(*layers, nn.Flatten())
        self.top = (channels[-1], sizes[-1])
        feat = channels[-1] * sizes[-1] ** 2
        self.mu, self.logvar = nn.Linear(feat, z), nn.Linear(feat, z)
        self.project = nn.Linear(z, feat)
        up = []
        for i in reversed(range(len(channels))):
            up.append(nn.ConvTranspose2d(channels[i], channels[i - 1] if i > 0 else 1, kernel(sizes[i]), 2, 1))
            if i > 0:
                up.append(nn.LeakyReLU(leak))
        self.up = nn.Sequential(*up)

    def decode(self, z):
        c, s = self.top
        return self.up(F.leaky_relu(self.project(z), self.leak).view(-1, c, s, s))


def vae_loss(model, x):
    h = model.enc(x)
    mu, logvar = model.mu(h), model.logvar(h).clamp(-20, 10)
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    logits = model.decode(z)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(1)
    return (recon + kl).mean()


def vae_step(model, opt, x, loss_fn=vae_loss):
    loss = loss_fn(model, x)
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


def instance_norm(c):
    # genlab's blocks.InstanceNorm{Affine: true}: biased variance, eps 1e-5, scale and offset.
    return nn.InstanceNorm2d(c, affine=True, eps=1e-5)


class UNet(nn.Module):
    # genlab's blocks.UNet as pix2pix.DefaultConfig builds it at 64x64: 4x4 stride-2 convs
    # of 32, 64, 128, 256, 256, 256 channels down to 1x1 (LeakyReLU 0.2 before each but the
    # first; instance norm on all but the first and the last), 4x4 stride-2 transposed
    # convs back up (ReLU before, instance norm after, dropout 0.5 in the three innermost
    # of them), each followed by the skip from the encoder, then tanh.
    def __init__(self, channels=(32, 64, 128, 256, 256, 256), cin=3, cout=3, dropout=0.5):
        super().__init__()
        n = len(channels)
        self.n, self.dropout = n, dropout
        self.down = nn.ModuleList()
        for i, ch in enumerate(channels):
            normed = 0 < i < n - 1
            prev = cin if i == 0 else channels[i - 1]
            self.down.append(nn.Sequential(nn.Conv2d(prev, ch, 4, 2, 1, bias=not normed),
                                           instance_norm(ch) if normed else nn.Identity()))
        self.up = nn.ModuleList()
        for i in range(n - 1, 0, -1):
            prev = channels[i] if i == n - 1 else 2 * channels[i]
            self.up.append(nn.Sequential(nn.ConvTranspose2d(prev, channels[i - 1], 4, 2, 1, bias=False),
                                         instance_norm(channels[i - 1])))
        self.out = nn.ConvTranspose2d(2 * channels[0], cout, 4, 2, 1)

    def forward(self, x):
        enc, h = [], x
        for i, layer in enumerate(self.down):
            h = layer(h if i == 0 else F.leaky_relu(h, 0.2))
            enc.append(h)
        for j, layer in enumerate(self.up):
            i = self.n - 1 - j
            h = layer(F.relu(h))
            if self.n - 4 <= i < self.n - 1:
                h = F.dropout(h, self.dropout, self.training)
            h = torch.cat([enc[i - 1], h], 1)
        return torch.tanh(self.out(F.relu(h)))


class PatchGAN(nn.Module):
    # genlab's blocks.PatchGAN: 4x4 stride-2 convs of the given channels (instance norm on
    # all but the first), a 4x4 stride-1 conv of twice the last, a 4x4 stride-1 conv to
    # one logit per patch; padding 1, LeakyReLU 0.2.
    def __init__(self, cin, channels=(32, 64)):
        super().__init__()
        layers, prev = [], cin
        for i, (ch, stride) in enumerate([(c, 2) for c in channels] + [(2 * channels[-1], 1)]):
            layers += [nn.Conv2d(prev, ch, 4, stride, 1, bias=i == 0)]
            layers += [instance_norm(ch)] if i > 0 else []
            layers += [nn.LeakyReLU(0.2)]
            prev = ch
        layers.append(nn.Conv2d(prev, 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class Pix2Pix:
    # pix2pix.DefaultConfig: the U-Net above, a PatchGAN on (input, output), lambda 100,
    # Adam(1e-3, beta1=0.5); D's update, then G's on the same batch. G runs once for each
    # update, as genlab's two graphs do.
    def __init__(self):
        self.G, self.D = UNet(), PatchGAN(6)
        self.optD = torch.optim.Adam(self.D.parameters(), lr=1e-3, betas=(0.5, 0.999))
        self.optG = torch.optim.Adam(self.G.parameters(), lr=1e-3, betas=(0.5, 0.999))

    def step(self, pairs):
        x, y = pairs[:, :3] * 2 - 1, pairs[:, 3:] * 2 - 1
        with torch.no_grad():
            fake = self.G(x)
        lossD = 0.5 * (F.softplus(-self.D(torch.cat([x, y], 1))).mean() +
                       F.softplus(self.D(torch.cat([x, fake], 1))).mean())
        self.optD.zero_grad(set_to_none=True)
        lossD.backward()
        self.optD.step()
        fake = self.G(x)
        lossG = F.softplus(-self.D(torch.cat([x, fake], 1))).mean() + 100 * (fake - y).abs().mean()
        self.optG.zero_grad(set_to_none=True)
        lossG.backward()
        self.optG.step()
        return lossD.item() + lossG.item()


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.net = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=False), instance_norm(c), nn.ReLU(),
                                 nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=False), instance_norm(c))

    def forward(self, x):
        return x + self.net(x)


def resnet_generator(f=32, blocks=4, c=3):
    # cyclegan.Model.Generator at its defaults: reflect-pad 3 + 7x7 conv, two 3x3 stride-2
    # convs, residual blocks, two 4x4 stride-2 transposed convs, reflect-pad 3 + 7x7 conv,
    # tanh; instance norm and ReLU after every layer but the last.
    layers = [nn.ReflectionPad2d(3), nn.Conv2d(c, f, 7, bias=False), instance_norm(f), nn.ReLU()]
    for cin, cout in [(f, 2 * f), (2 * f, 4 * f)]:
        layers += [nn.Conv2d(cin, cout, 3, 2, 1, bias=False), instance_norm(cout), nn.ReLU()]
    layers += [ResBlock(4 * f) for _ in range(blocks)]
    for cin, cout in [(4 * f, 2 * f), (2 * f, f)]:
        layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), instance_norm(cout), nn.ReLU()]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(f, c, 7), nn.Tanh()]
    return nn.Sequential(*layers)


class Pool:
    # CycleGAN's history of 50 generated images: until full each image goes in and comes
    # out; then with probability 1/2 it is swapped for an older one.
    def __init__(self, size=50):
        self.size, self.images = size, []

    def __call__(self, fake):
        out = []
        for img in fake:
            img = img.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(img)
                out.append(img)
            elif torch.rand(1).item() < 0.5:
                i = int(torch.randint(0, self.size, (1,)).item())
                out.append(self.images[i])
                self.images[i] = img
            else:
                out.append(img)
        return torch.cat(out, 0)


class CycleGAN:
    # cyclegan.DefaultConfig: generators G (A->B) and F (B->A), PatchGANs D_A and D_B,
    # LSGAN losses, cycle lambda 10, identity 0.5 * 10, pools of 50, Adam(2e-4, beta1=0.5).
    # The generators' update, then the discriminators' (whose fakes are generated again,
    # as genlab's second graph does).
    def __init__(self):
        self.G, self.F = resnet_generator(), resnet_generator()
        self.DA, self.DB = PatchGAN(3), PatchGAN(3)
        self.poolA, self.poolB = Pool(), Pool()
        self.optG = torch.optim.Adam(list(self.G.parameters()) + list(self.F.parameters()), lr=2e-4, betas=(0.5, 0.999))
        self.optD = torch.optim.Adam(list(self.DA.parameters()) + list(self.DB.parameters()), lr=2e-4, betas=(0.5, 0.999))

    def step(self, a, b):
        a, b = a * 2 - 1, b * 2 - 1
        fake_b, fake_a = self.G(a), self.F(b)
        adv = (self.DB(fake_b) - 1).pow(2).mean() + (self.DA(fake_a) - 1).pow(2).mean()
        cycle = (self.F(fake_b) - a).abs().mean() + (self.G(fake_a) - b).abs().mean()
        identity = (self.F(a) - a).abs().mean() + (self.G(b) - b).abs().mean()
        lossG = adv + 10 * cycle + 5 * identity
        self.optG.zero_grad(set_to_none=True)
        lossG.backward()
        self.optG.step()
        with torch.no_grad():
            fake_b, fake_a = self.poolB(self.G(a)), self.poolA(self.F(b))
        lossD = 0.5 * ((self.DA(a) - 1).pow(2).mean() + self.DA(fake_a).pow(2).mean()) + \
            0.5 * ((self.DB(b) - 1).pow(2).mean() + self.DB(fake_b).pow(2).mean())
        self.optD.zero_grad(set_to_none=True)
        lossD.backward()
        self.optD.step()
        return lossG.item() + lossD.item()


class Regressor(nn.Module):
    # models/regressor at its defaults: 4x4 stride-2 convs of 32, 64, 128 channels (64 -> 8)
    # with LeakyReLU 0.3 (GoMLX's), a dense ReLU layer of 128 features, one output; L1 loss
    # on age/100, Adam(1e-3).
    def __init__(self):
        super().__init__()
        layers, prev = [], 3
        for ch in (32, 64, 128):
            layers += [nn.Conv2d(prev, ch, 4, 2, 1), nn.LeakyReLU(0.3)]
            prev = ch
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(8 * 8 * 128, 128), nn.ReLU(), nn.Linear(128, 1))
        self.opt = torch.optim.Adam(self.parameters(), lr=1e-3)

    def step(self, x, t):
        loss = (self.net(x).squeeze(1) - t).abs().mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.item()


def gate(x):
    a, b = x.chunk(2, dim=1)
    return torch.tanh(a) * torch.sigmoid(b)


class GatedLayer(nn.Module):
    # models/blocks.GatedLayer: the vertical stack's (r or r+1) x (2r+1) conv padded r
    # above and to the sides (mask A: r rows, the last output row dropped), the
    # horizontal stack's 1 x (r or r+1) conv padded r on the left, the 1x1 link from the
    # vertical pre-activations, the gates, a 1x1 out conv and (mask B) the residual.
    def __init__(self, cin, f, r, mask_a):
        super().__init__()
        self.r, self.a = r, mask_a
        k = r if mask_a else r + 1
        self.v = nn.Conv2d(cin, 2 * f, (k, 2 * r + 1))
        self.h = nn.Conv2d(cin, 2 * f, (1, k))
        self.link = nn.Conv2d(2 * f, 2 * f, 1)
        self.out = nn.Conv2d(f, f, 1)

    def forward(self, v, h):
        r, H, W = self.r, v.shape[2], v.shape[3]
        vc = self.v(F.pad(v, (r, r, r, 0)))[:, :, :H]
        hc = self.h(F.pad(h, (r, 0, 0, 0)))[:, :, :, :W] + self.link(vc)
        ho = self.out(gate(hc))
        return gate(vc), ho if self.a else h + ho


class PixelCNN(nn.Module):
    # models/pixelcnn at its defaults: gated, 32 filters, a 7x7 first layer and 6 gated
    # 3x3 layers, a ReLU-1x1(64)-ReLU-1x1(1) head, the Bernoulli NLL summed over pixels
    # and averaged over the batch, Adam(1e-3).
    def __init__(self, f=32, layers=6):
        super().__init__()
        self.first = GatedLayer(1, f, 3, True)
        self.layers = nn.ModuleList([GatedLayer(f, f, 1, False) for _ in range(layers)])
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(f, 2 * f, 1), nn.ReLU(), nn.Conv2d(2 * f, 1, 1))
        self.opt = torch.optim.Adam(self.parameters(), lr=1e-3)

    def step(self, x):
        v, h = self.first(x * 2 - 1, x * 2 - 1)
        for layer in self.layers:
            v, h = layer(v, h)
        logits = self.head(h)
        loss = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.item()


class Detector(nn.Module):
    # models/detector at its defaults: the DB-VAE's encoder body (k4 s2 p1 convs of 32,
    # 64, 64, 128 channels, 32 -> 2, LeakyReLU 0.3) and a dense face logit; the binary
    # cross-entropy; Adam(5e-4). Batches of 64, half faces.
    def __init__(self):
        super().__init__()
        layers, prev = [], 3
        for ch in (32, 64, 64, 128):
            layers += [nn.Conv2d(prev, ch, 4, 2, 1), nn.LeakyReLU(0.3)]
            prev = ch
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(512, 1))
        self.opt = torch.optim.Adam(self.parameters(), lr=5e-4)

    def step(self, x, y):
        loss = F.binary_cross_entropy_with_logits(self.net(x).squeeze(1), y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.item()


class DBVAE(nn.Module):
    # models/dbvae at its defaults: 32x32x3, k4 s2 p1 convs of 32, 64, 64, 128 channels
    # (32 -> 2) with LeakyReLU 0.3, heads for the face logit and a 16-d code (mu, logvar);
    # a dense projection and four transposed convs back; loss = BCE(face) + face * (sum
    # of squares / (2 sigma^2) + KL) / 3072, sigma 0.1; Adam(5e-4). Batches of 64, half faces.
    def __init__(self, z=16):
        super().__init__()
        layers, prev = [], 3
        for ch in (32, 64, 64, 128):
            layers += [nn.Conv2d(prev, ch, 4, 2, 1), nn.LeakyReLU(0.3)]
            prev = ch
        self.enc = nn.Sequential(*layers, nn.Flatten())
        self.face, self.mu, self.logvar = nn.Linear(512, 1), nn.Linear(512, z), nn.Linear(512, z)
        self.project = nn.Linear(z, 512)
        ups = []
        for a, b in ((128, 64), (64, 64), (64, 32)):
            ups += [nn.ConvTranspose2d(a, b, 4, 2, 1), nn.LeakyReLU(0.3)]
        self.up = nn.Sequential(*ups, nn.ConvTranspose2d(32, 3, 4, 2, 1))
        self.opt = torch.optim.Adam(self.parameters(), lr=5e-4)

    def step(self, x, y):
        h = self.enc(x)
        logit = self.face(h).squeeze(1)
        mu, logvar = self.mu(h), self.logvar(h).clamp(-20, 10)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        out = torch.sigmoid(self.up(F.leaky_relu(self.project(z), 0.3).view(-1, 128, 2, 2)))
        recon = (x - out).pow(2).flatten(1).sum(1) / (2 * 0.1 ** 2)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(1)
        bce = F.binary_cross_entropy_with_logits(logit, y, reduction="none")
        loss = (bce + y * (recon + kl) / 3072).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.item()


class TimeResBlock(nn.Module):
    # blocks.TimeResBlock: GroupNorm(8), SiLU, 3x3 conv; + Linear(SiLU(emb)); GroupNorm,
    # SiLU, 3x3 conv; plus the input (a 1x1 conv when the channels change).
    def __init__(self, cin, cout, emb):
        super().__init__()
        self.n0, self.c0 = nn.GroupNorm(min(8, cin), cin), nn.Conv2d(cin, cout, 3, 1, 1)
        self.e = nn.Linear(emb, cout)
        self.n1, self.c1 = nn.GroupNorm(8, cout), nn.Conv2d(cout, cout, 3, 1, 1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):
        h = self.c0(F.silu(self.n0(x)))
        h = h + self.e(F.silu(emb))[:, :, None, None]
        h = self.c1(F.silu(self.n1(h)))
        return self.skip(x) + h


class Diffusion(nn.Module):
    # models/diffusion at its defaults: a U-Net of 32, 64, 64 channels at 28, 14, 7
    # pixels (k4 s2 p1 down, transposed up, skip concatenation), a 64-d sinusoidal
    # timestep embedding through Linear(128), SiLU, Linear(64); the simple loss (MSE of
    # the predicted noise) at t uniform in 1..1000 of the cosine schedule; Adam(5e-4); and,
    # as genlab's train step does, a moving average of the weights (decay 0.995) updated
    # from each step's weights before the optimizer moves them.
    def __init__(self, ch=(32, 64, 64), emb=64, T=1000, ema=0.995):
        super().__init__()
        s, t = 0.008, torch.arange(T + 1, dtype=torch.float64)
        f = torch.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2
        beta = (1 - f[1:] / f[:-1]).clamp(max=0.999)
        self.alphabar = torch.cumprod(1 - beta, 0).float()
        self.emb, self.T = emb, T
        self.t0, self.t1 = nn.Linear(emb, 2 * emb), nn.Linear(2 * emb, emb)
        self.inp = nn.Conv2d(1, ch[0], 3, 1, 1)
        self.down = nn.ModuleList([TimeResBlock(ch[i - 1] if i else ch[0], ch[i], emb) for i in range(len(ch))])
        self.downsample = nn.ModuleList([nn.Conv2d(ch[i], ch[i], 4 if i == 0 else 4, 2, 1) for i in range(len(ch) - 1)])
        self.mid = TimeResBlock(ch[-1], ch[-1], emb)
        self.upsample = nn.ModuleList([nn.ConvTranspose2d(ch[i + 1], ch[i], 4, 2, 1) for i in range(len(ch) - 1)])
        self.up = nn.ModuleList([TimeResBlock(2 * ch[i], ch[i], emb) for i in range(len(ch))])
        self.out_norm, self.out = nn.GroupNorm(8, ch[0]), nn.Conv2d(ch[0], 1, 3, 1, 1)
        self.opt = torch.optim.Adam(self.parameters(), lr=5e-4)
        self.ema = ema
        self.averaged = [p.detach().clone() for p in self.parameters()]

    def noise(self, x, t):
        half = self.emb // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half) / half)
        arg = t.float()[:, None] * freqs[None]
        e = self.t1(F.silu(self.t0(torch.cat([arg.sin(), arg.cos()], 1))))
        h, skips = self.inp(x), []
        for i, block in enumerate(self.down):
            h = block(h, e)
            skips.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
        h = self.mid(h, e)
        for i in reversed(range(len(self.up))):
            if i < len(self.upsample):
                h = self.upsample[i](h)
            h = self.up[i](torch.cat([h, skips[i]], 1), e)
        return self.out(F.silu(self.out_norm(h)))

    def step(self, x):
        x0 = 2 * x - 1
        t = torch.randint(1, self.T + 1, (x.shape[0],))
        eps = torch.randn_like(x0)
        ab = self.alphabar[t - 1][:, None, None, None]
        loss = (self.noise(ab.sqrt() * x0 + (1 - ab).sqrt() * eps, t) - eps).pow(2).mean()
        return self.update(loss)

    def update(self, loss):
        # Adam on loss, the weights' average updated from the weights it read.
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():
            for avg, p in zip(self.averaged, self.parameters()):
                avg.mul_(self.ema).add_(p, alpha=1 - self.ema)
        self.opt.step()
        return loss.item()


class Flow(Diffusion):
    # models/flow at its defaults: models/diffusion's U-Net and weight average, trained
    # by flow matching: x_t = (1 - t) x0 + t x1 for noise x0, an image x1 in [-1, 1] and t
    # uniform in [0, 1), the MSE of the predicted velocity against x1 - x0, the time
    # embedded as t * 1000.
    def step(self, x):
        x1 = 2 * x - 1
        x0 = torch.randn_like(x1)
        t = torch.rand(x.shape[0])
        tb = t[:, None, None, None]
        loss = (self.noise((1 - tb) * x0 + tb * x1, t * 1000) - (x1 - x0)).pow(2).mean()
        return self.update(loss)


class EqConv(nn.Module):
    # genlab's blocks.EqConv: weights N(0, 1) scaled at run time by gain/sqrt(fan-in).
    def __init__(self, cin, cout, k, gain=math.sqrt(2)):
        super().__init__()
        self.w = nn.Parameter(torch.randn(cout, cin, k, k))
        self.b = nn.Parameter(torch.zeros(cout))
        self.scale, self.pad = gain / math.sqrt(cin * k * k), k // 2

    def forward(self, x):
        return F.conv2d(x, self.w * self.scale, self.b, padding=self.pad)


class EqLinear(nn.Module):
    # genlab's blocks.EqDense: weights N(0, 1/lrmul^2) scaled by gain/sqrt(in)*lrmul.
    def __init__(self, cin, cout, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.w = nn.Parameter(torch.randn(cout, cin) / lrmul)
        self.b = nn.Parameter(torch.zeros(cout))
        self.scale, self.lrmul = gain / math.sqrt(cin) * lrmul, lrmul

    def forward(self, x):
        return F.linear(x, self.w * self.scale, self.b * self.lrmul)


def lrelu(x):
    return F.leaky_relu(x, 0.2)


def adain(x, style):
    c = x.shape[1]
    scale, shift = 1 + style[:, :c], style[:, c:]
    return F.instance_norm(x, eps=1e-8) * scale[:, :, None, None] + shift[:, :, None, None]


def mbstd(x, group):
    b, c, h, w = x.shape
    y = x.view(group, b // group, c, h, w)
    y = (y - y.mean(0)).pow(2).mean(0).add(1e-8).sqrt().mean([1, 2, 3])
    y = y.view(1, b // group, 1, 1, 1).expand(group, b // group, 1, h, w).reshape(b, 1, h, w)
    return torch.cat([x, y], 1)


class ProGANG(nn.Module):
    # genlab's progan at its last stage (no fade): 4 mapping layers (lrmul 0.01) on the
    # pixel-normed code, a learned 4x4 constant, per resolution (4, 8, 16, 32; 128, 128,
    # 64, 32 maps) [upsample, conv3x3] conv3x3 with AdaIN after each, toRGB 1x1.
    def __init__(self, ch=(128, 128, 64, 32), latent=128, mapping=4):
        super().__init__()
        self.mapping = nn.ModuleList([EqLinear(latent, latent, lrmul=0.01) for _ in range(mapping)])
        self.const = nn.Parameter(torch.ones(1, ch[0], 4, 4))
        self.conv0 = nn.ModuleList([EqConv(ch[s - 1], ch[s], 3) if s > 0 else nn.Identity() for s in range(len(ch))])
        self.conv1 = nn.ModuleList([EqConv(ch[s], ch[s], 3) for s in range(len(ch))])
        self.style0 = nn.ModuleList([EqLinear(latent, 2 * c, gain=1) for c in ch])
        self.style1 = nn.ModuleList([EqLinear(latent, 2 * c, gain=1) for c in ch])
        self.rgb = EqConv(ch[-1], 3, 1, gain=1)

    def map(self, z):
        w = z * torch.rsqrt(z.pow(2).mean(1, keepdim=True) + 1e-8)
        for layer in self.mapping:
            w = lrelu(layer(w))
        return w

    def forward(self, ws):
        x = self.const.expand(ws.shape[0], -1, -1, -1)
        for s in range(len(self.conv1)):
            if s > 0:
                x = lrelu(self.conv0[s](F.interpolate(x, scale_factor=2, mode="nearest")))
            x = adain(x, self.style0[s](ws[:, 2 * s]))
            x = adain(lrelu(self.conv1[s](x)), self.style1[s](ws[:, 2 * s + 1]))
        return self.rgb(x)


class ProGAND(nn.Module):
    def __init__(self, ch=(128, 128, 64, 32), group=4):
        super().__init__()
        n = len(ch)
        self.group = group
        self.rgb = EqConv(3, ch[-1], 1)
        self.blocks = nn.ModuleList([nn.ModuleList([EqConv(ch[s], ch[s], 3), EqConv(ch[s], ch[s - 1], 3)])
                                     for s in range(n - 1, 0, -1)])
        self.conv = EqConv(ch[0] + 1, ch[0], 3)
        self.dense = EqLinear(16 * ch[0], ch[0])
        self.out = EqLinear(ch[0], 1, gain=1)

    def forward(self, x):
        h = lrelu(self.rgb(x))
        for c0, c1 in self.blocks:
            h = F.avg_pool2d(lrelu(c1(lrelu(c0(h)))), 2)
        h = lrelu(self.conv(mbstd(h, self.group)))
        return self.out(lrelu(self.dense(h.flatten(1)))).view(-1)


class ProGAN:
    # One D update (logistic loss + R1 penalty, gamma 10) and one G update, each with
    # style mixing (two codes, a crossover layer, probability 0.9); Adam 1e-3, betas 0, 0.99.
    def __init__(self, latent=128, layers=8):
        self.G, self.D, self.latent, self.layers = ProGANG(latent=latent), ProGAND(), latent, layers
        self.optG = torch.optim.Adam(self.G.parameters(), lr=1e-3, betas=(0.0, 0.99))
        self.optD = torch.optim.Adam(self.D.parameters(), lr=1e-3, betas=(0.0, 0.99))

    def styles(self, b):
        w = self.G.map(torch.randn(2 * b, self.latent))
        w1, w2 = w[:b], w[b:]
        cut = self.layers
        if torch.rand(()).item() < 0.9:
            cut = int(torch.randint(1, self.layers, ()).item())
        layer = torch.arange(self.layers).view(1, -1, 1)
        return torch.where(layer < cut, w1[:, None], w2[:, None])

    def step(self, x):
        b = x.shape[0]
        real = (x * 2 - 1).requires_grad_(True)
        with torch.no_grad():
            fake = self.G(self.styles(b))
        lr, lf = self.D(real), self.D(fake)
        g, = torch.autograd.grad(lr.sum(), real, create_graph=True)
        r1 = g.pow(2).flatten(1).sum(1).mean()
        lossD = F.softplus(-lr).mean() + F.softplus(lf).mean() + 5 * r1
        self.optD.zero_grad(set_to_none=True)
        lossD.backward()
        self.optD.step()
        lossG = F.softplus(-self.D(self.G(self.styles(b)))).mean()
        self.optG.zero_grad(set_to_none=True)
        lossG.backward()
        self.optG.step()
        return lossD.item() + lossG.item()


def blas():
    # Which BLAS this PyTorch calls, from the libraries the process has mapped (Linux):
    # Debian's torch links libblas.so.3, which is the reference BLAS (a DCGAN step at a
    # third of its speed) unless the alternatives point it at OpenBLAS or BLIS. Its
    # LAPACK may be OpenBLAS's while its BLAS is not, so the libblas file decides. A pip
    # wheel maps no libblas (it carries MKL). "" where it can't tell.
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "/" in line}
    except OSError:
        return ""
    kinds = ("openblas", "blis", "mkl")
    for lib in libs:
        if os.path.basename(lib).startswith("libblas.so"):
            return next((k for k in kinds if k in lib), "reference")
    return next((k for k in kinds if any(k in lib for lib in libs)), "bundled")


def load_mnist(data_dir, split):
    # The IDX files genlab reads (its data directory's mnist/), pixels / 255 as genlab's.
    import gzip
    import numpy as np
    path = os.path.join(data_dir, "mnist", ("train" if split == "train" else "t10k") + "-images-idx3-ubyte.gz")
    with gzip.open(path) as f:
        raw = f.read()
    if int.from_bytes(raw[:4], "big") != 2051:
        raise SystemExit("%s: not an IDX image file" % path)
    n, h, w = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
    x = np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, h, w)
    return torch.from_numpy(x.astype(np.float32) / 255)


@torch.no_grad()
def iw_nll(model, x, k, chunk=50):
    # genlab's eval.NLL: log w = log p(x|z) + log p(z) - log q(z|x) for k draws of z per
    # image; NLL = -mean_i log(1/k sum_k w_ik), ELBO = the mean of log w. In nats.
    half_log_2pi = 0.5 * math.log(2 * math.pi)
    nll = elbo = 0.0
    for i in range(0, len(x), chunk):
        xb = x[i:i + chunk]
        b = len(xb)
        h = model.enc(xb)
        mu, logvar = model.mu(h), model.logvar(h).clamp(-20, 10)
        eps = torch.randn(k, *mu.shape)
        z = mu + torch.exp(0.5 * logvar) * eps
        logits = model.decode(z.reshape(k * b, -1)).view(k, b, -1)
        lpx = -F.binary_cross_entropy_with_logits(logits, xb.reshape(1, b, -1).expand(k, b, -1), reduction="none").sum(-1)
        lpz = (-0.5 * z.pow(2) - half_log_2pi).sum(-1)
        lq = (-0.5 * eps.pow(2) - half_log_2pi - 0.5 * logvar).sum(-1)
        w = lpx + lpz - lq
        nll -= (torch.logsumexp(w, 0) - math.log(k)).sum().item()
        elbo += w.mean(0).sum().item()
    return nll / len(x), elbo / len(x)


def he_init(net, gains=None):
    # genlab's default initialization (blocks.He): weights N(0, gain^2 * 2/fan_in), biases
    # 0, the fan-in of a transposed conv being the taps each output sums (Cin*k*k/stride^2);
    # gains maps a module to its gain (blocks.ConvT.Gain), 1 for the others.
    gains = gains or {}
    for m in net.modules():
        if isinstance(m, nn.Linear):
            fan = m.in_features
        elif isinstance(m, nn.ConvTranspose2d):
            fan = m.in_channels * m.kernel_size[0] * m.kernel_size[1] // (m.stride[0] * m.stride[1])
        elif isinstance(m, nn.Conv2d):
            fan = m.in_channels * m.kernel_size[0] * m.kernel_size[1]
        else:
            continue
        with torch.no_grad():
            m.weight.normal_(0, gains.get(m, 1.0) * math.sqrt(2 / fan))
            m.bias.zero_()


def race(a):
    # Train genlab's default conv VAE or DCGAN on MNIST for a.seconds of wall time, as
    # `genlab train --minutes` does (the clock read after each step), then leave what
    # genlab scores: the VAE's IW-NLL on the test images genlab scored (a.scored, .npy),
    # or the DCGAN's samples (a.samples, .npy, [N, 28, 28, 1] in [0, 1]).
    import numpy as np
    x = load_mnist(a.data, "train")
    g = torch.Generator().manual_seed(a.seed)

    def batches(b):  # shuffled epochs, as genlab's draws
        while True:
            perm = torch.randperm(len(x), generator=g)
            for i in range(0, len(perm) - b + 1, b):
                yield x[perm[i:i + b]]

    if a.race == "conv_vae":
        model = ConvVAE(z=16, channels=(32, 64, 64, 128), leak=a.leak)
        if a.init == "he":
            he_init(model, {model.up[-1]: 0.1})  # ae.DecoderLogits: the output layer's gain 0.1
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        step, it = (lambda xb: vae_step(model, opt, torch.bernoulli(xb))), batches(128)  # dynamic binarization
    else:
        gan = DCGAN()
        if a.init == "he":
            he_init(gan.D)
            he_init(gan.G)
        step, it = gan.step, batches(64)
    steps, t0 = 0, time.perf_counter()
    while True:
        last = step(next(it))
        steps += 1
        if (a.race_steps and steps >= a.race_steps) or (not a.race_steps and time.perf_counter() - t0 >= a.seconds):
            break
    wall = time.perf_counter() - t0
    res = {"model": a.race, "init": a.init, "leak": a.leak if a.race == "conv_vae" else None, "steps": steps, "seconds": wall, "steps_per_s": steps / wall, "loss_last": last,
           "settings": "torch %s, torch.set_num_threads(%d), BLAS %s" % (torch.__version__, torch.get_num_threads(), blas())}
    t1 = time.perf_counter()
    if a.race == "conv_vae":
        test = torch.from_numpy(np.load(a.scored)).permute(0, 3, 1, 2).contiguous()
        res["nll_iw"], res["elbo"] = iw_nll(model, test, a.k)
        res["iw_k"], res["n"] = a.k, len(test)
    else:
        with torch.no_grad():
            out = [(gan.G(torch.randn(min(500, a.n - i), 100)) + 1) / 2 for i in range(0, a.n, 500)]
        np.save(a.samples, torch.cat(out).clamp(0, 1).permute(0, 2, 3, 1).contiguous().numpy().astype(np.float32))
        res["n"] = a.n
    res["eval_seconds"] = time.perf_counter() - t1
    print(json.dumps(res))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["mlp_vae", "conv_vae", "dcgan", "dcgan_bn", "pix2pix", "cyclegan", "regressor", "pixelcnn", "detector", "dbvae", "diffusion", "flow", "progan"])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--serve", action="store_true",
                   help="build the case once, then time one round (--warmup, then --steps) for each line read "
                        "from stdin, printing one JSON line each, until stdin closes: genlab bench's rounds, "
                        "which keep one model per case as genlab's own side does")
    p.add_argument("--compile", action="store_true",
                   help="torch.compile the networks (the VAEs' whole loss), the stronger anchor on a GPU; "
                        "--warmup then also pays the compilation")
    # A race at equal wall time (scripts/race.sh) instead of timed steps:
    p.add_argument("--race", choices=["conv_vae", "dcgan"], help="train on MNIST for --seconds, then score or sample")
    p.add_argument("--seconds", type=float, default=600)
    p.add_argument("--race-steps", type=int, default=0, help="stop after this many steps instead of --seconds (a comparison at equal steps)")
    p.add_argument("--init", choices=["default", "he"], default="default",
                   help="PyTorch's default initialization (genlab's --set Init=pytorch), or genlab's default He")
    p.add_argument("--leak", type=float, default=0.3,
                   help="conv_vae: the LeakyReLU slope (genlab's 0.3; the races before 2026-12-03 ran 0.01)")
    p.add_argument("--data", help="genlab's data directory (its mnist/ IDX files)")
    p.add_argument("--scored", help="conv_vae: the test images genlab scored (.npy from genlab eval --scored-out)")
    p.add_argument("--k", type=int, default=100, help="conv_vae: importance samples of the NLL")
    p.add_argument("--samples", help="dcgan: write --n samples here (.npy) for genlab eval --samples")
    p.add_argument("--n", type=int, default=10000)
    a = p.parse_args()
    if a.device == "cpu" and blas() == "reference":
        # A timing against a peer on the reference BLAS says nothing about PyTorch.
        raise SystemExit("peer.py: this PyTorch calls the reference BLAS (libblas.so.3), which makes it "
                         "several times slower than it is with an optimized one: install OpenBLAS (Debian: "
                         "apt-get install libopenblas0) or use another PyTorch")
    if a.compile and not hasattr(torch, "compile"):
        raise SystemExit("peer.py: --compile needs PyTorch 2.0 or later (this is %s)" % torch.__version__)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.race:
        if not a.data or (a.race == "conv_vae" and not a.scored) or (a.race == "dcgan" and not a.samples):
            p.error("--race needs --data, and --scored (conv_vae) or --samples (dcgan)")
        return race(a)
    if not a.model:
        p.error("--model or --race is required")
    if a.device == "cuda":
        # Every tensor and parameter the cases make lands on the GPU, with no change to
        # the models: torch >= 2.0 sets the default device, older ones the default type.
        if hasattr(torch, "set_default_device"):
            torch.set_default_device("cuda")
        else:
            torch.set_default_tensor_type(torch.cuda.FloatTensor)
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
    batch = 64 if a.model.startswith("dcgan") else 128
    x = (torch.rand(batch, 1, 28, 28) < 0.3).float()  # a fixed binary batch, as genlab's
    if a.model == "pix2pix":
        p2p, pairs = Pix2Pix(), torch.rand(8, 6, 64, 64)  # a fixed batch of 8 pairs
        step = lambda: p2p.step(pairs)
    elif a.model == "cyclegan":
        cg, imgA, imgB = CycleGAN(), torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64)
        step = lambda: cg.step(imgA, imgB)
    elif a.model == "regressor":
        reg, faces = Regressor(), torch.rand(64, 3, 64, 64)
        ages = torch.arange(64).remainder(80).float() / 100
        step = lambda: reg.step(faces, ages)
    elif a.model == "pixelcnn":
        pcnn = PixelCNN()
        step = lambda: pcnn.step(x[:32])
    elif a.model == "diffusion":
        diff = Diffusion()
        step = lambda: diff.step(x[:32])
    elif a.model == "flow":
        fm = Flow()
        step = lambda: fm.step(x[:32])
    elif a.model == "progan":
        pg, faces = ProGAN(), torch.rand(32, 3, 32, 32)
        step = lambda: pg.step(faces)
    elif a.model in ("detector", "dbvae"):
        net, imgs = (Detector() if a.model == "detector" else DBVAE()), torch.rand(64, 3, 32, 32)
        faces = (torch.arange(64) < 32).float()
        step = lambda: net.step(imgs, faces)
    elif a.model.startswith("dcgan"):
        gan = DCGAN(bn=a.model == "dcgan_bn")
        step = lambda: gan.step(x)
    else:
        model = MLPVAE() if a.model == "mlp_vae" else ConvVAE()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.compile(vae_loss) if a.compile else vae_loss
        step = lambda: vae_step(model, opt, x, loss_fn)
    if a.compile:
        # The two-player cases keep their networks as attributes; compiling each one (the
        # optimizers already hold their parameters, which the compiled module shares) lets
        # TorchInductor fuse each forward and backward, while the steps' Python, the
        # optimizers and the pools stay eager, as they would in a user's torch.compile.
        here = locals()
        case = next((here[n] for n in ("gan", "p2p", "cg") if n in here), None)
        for name in ("G", "F", "D", "DA", "DB"):
            if case is not None and isinstance(getattr(case, name, None), nn.Module):
                setattr(case, name, torch.compile(getattr(case, name)))
        if case is None and a.model not in ("mlp_vae", "conv_vae"):
            p.error("--compile covers mlp_vae, conv_vae, dcgan, dcgan_bn, pix2pix and cyclegan")
    settings = "torch %s, torch.set_num_threads(%d), BLAS %s, OPENBLAS_NUM_THREADS=%s, OMP_WAIT_POLICY=%s" % (
        torch.__version__, torch.get_num_threads(), blas(), os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
        os.environ.get("OMP_WAIT_POLICY", "unset"))
    if a.device == "cuda":
        settings += ", device cuda (%s)" % torch.cuda.get_device_name(0)
    if a.compile:
        settings += ", torch.compile"

    def one_round():
        first = last = None  # null in the JSON line when there are no such steps
        for _ in range(a.warmup):
            first = step()
        sync()
        t0 = time.perf_counter()
        for _ in range(a.steps):
            last = step()
        sync()  # CUDA runs asynchronously: the clock stops when the GPU is done
        rate = a.steps / (time.perf_counter() - t0)
        print(json.dumps({"model": a.model, "steps_per_s": rate, "loss_first": first, "loss_last": last,
                          "settings": settings}), flush=True)

    if not a.serve:
        return one_round()
    for _ in sys.stdin:
        one_round()


if __name__ == "__main__":
    main()
