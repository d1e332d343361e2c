package fit

import (
	"context"
	"errors"
	"fmt"

	"github.com/genlab-go/genlab/datasets"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Draw returns minibatch number i of a run. It must be a function of i alone, so that a
// resumed run reads the batches an uninterrupted one would.
type Draw func(i int) ([]*tensors.Tensor, error)

// Train runs updates in turn (see Run), feeding them minibatches from draw: every run
// of an update draws the next minibatch, except for updates marked Reuse, which read
// the one drawn last. A step that draws k minibatches reads numbers step*k to
// step*k + k - 1, so the data order depends on the step only. This is the loop of every
// model: one update for an autoencoder or a classifier; for a GAN, the critic's
// repeated updates on batches of their own, then the generator's on the last of them.
func Train(ctx context.Context, backend compute.Backend, store *model.Store, cfg Config, draw Draw, updates ...Update) (*History, error) {
	if len(updates) == 0 {
		return nil, errors.New("fit: no updates")
	}
	if updates[0].Reuse {
		return nil, fmt.Errorf("fit: the first update (%q) has no batch before it to reuse", updates[0].Name)
	}
	// slot[call] is which of the step's k minibatches run number call reads: a run that
	// draws takes the next one, a Reuse run the last one drawn.
	var slot []int
	k := 0
	for _, u := range updates {
		for range max(u.Repeat, 1) {
			if !u.Reuse {
				k++
			}
			slot = append(slot, k-1)
		}
	}
	last, lastIndex := []*tensors.Tensor(nil), -1
	batches := func(step, call int) ([]*tensors.Tensor, error) {
		i := step*k + slot[call]
		if i != lastIndex {
			var err error
			if last, err = draw(i); err != nil {
				return nil, err
			}
			lastIndex = i
		}
		return last, nil
	}
	return Run(ctx, backend, store, cfg, batches, updates...)
}

// ImageDraw draws minibatches of batch images from data in an order fixed by seed
// (datasets.Sampler), as [batch, H, W, C] tensors followed, if withLabels, by the
// labels [batch] (int32). prep, if set, changes each batch's pixels in place first,
// given the batch's number: the VAE's dynamic binarization.
func ImageDraw(data *datasets.Images, batch int, seed int64, withLabels bool, prep func(i int, pixels []float32)) Draw {
	sampler := datasets.NewSampler(data.N, batch, uint64(seed))
	return func(i int) ([]*tensors.Tensor, error) {
		px, labels := data.Gather(sampler.Batch(i))
		if prep != nil {
			prep(i, px)
		}
		out := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(px, batch, data.H, data.W, data.C)}
		if withLabels {
			if labels == nil {
				return nil, fmt.Errorf("fit: %s has no labels", data.Name)
			}
			out = append(out, tensors.FromFlatDataAndDimensions(labels, batch))
		}
		return out, nil
	}
}
