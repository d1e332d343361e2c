// Package cyclegan is Zhu et al.'s CycleGAN (2017): image-to-image translation without
// pairs. Two generators, G: A -> B and F: B -> A, each with a discriminator on its
// output domain, D_B and D_A, are trained so that translated images look like the
// other domain (the adversarial terms) and so that translating there and back returns
// the input (the cycle-consistency terms):
//
//	L_G = E_a[(D_B(G(a)) - 1)^2] + E_b[(D_A(F(b)) - 1)^2]
//	    + lambda (E_a |F(G(a)) - a|_1 + E_b |G(F(b)) - b|_1)                (lambda = 10)
//	    + lambda mu (E_a |F(a) - a|_1 + E_b |G(b) - b|_1)                    (mu = 0.5)
//	L_D = (E[(D(real) - 1)^2] + E[D(fake)^2]) / 2   for each discriminator
//
// Why each piece: without pairs, the adversarial terms only ask G(a) to be *some*
// image of B; infinitely many mappings do that, and G is free to forget a. The cycle
// terms rule out mappings that lose a's content (F could not undo them). The identity
// terms keep a generator from changing an image already in its output domain (colours
// drift otherwise). Least squares instead of the log loss (Mao et al., 2017) give the
// generator gradients that do not vanish once D is confident, and train more stably.
// The discriminators see a history of 50 generated images rather than only the latest
// (Shrivastava et al., 2017), so that the game does not chase its own tail. The
// learning rate is held, then decayed linearly to zero.
//
// The model implements models.Translator (A -> B, or B -> A with Direction).
//
// Introduced in notebooks/08_cyclegan.ipynb.
package cyclegan
