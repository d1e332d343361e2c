package fit

import (
	"fmt"

	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// Adam is the optimizer every genlab model trains with, and the one rule for its
// settings: Adam (Kingma and Ba, 2015) at learning rate lr, with the betas given and
// Kingma and Ba's 0.9 and 0.999 for those that are not. Adam(lr) for most models,
// Adam(lr, 0.5) for DCGAN's players (Radford et al.), Adam(lr, 0, 0.99) for ProGAN's.
func Adam(lr float64, betas ...float64) optimizer.Interface {
	b := [2]float64{0.9, 0.999}
	if len(betas) > len(b) {
		panic(fmt.Sprintf("fit.Adam: %d betas (at most 2)", len(betas)))
	}
	copy(b[:], betas)
	return optimizer.Adam().LearningRate(lr).Betas(b[0], b[1]).Done()
}
