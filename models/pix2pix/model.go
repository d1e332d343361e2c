package pix2pix

import (
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/genlab-go/genlab/models/gan"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Scopes of the two players' variables: each player's optimizer updates only its own.
const (
	GeneratorScope     = "/generator"
	DiscriminatorScope = "/discriminator"
)

// Model is a pix2pix generator and discriminator with their variables.
type Model struct {
	models.Base[Config]
}

// New returns an untrained model for cfg on the backend chosen by backend.New("").
func New(cfg Config) (*Model, error) { return models.NewModel[Model](cfg) }

// Name is the model's registered name.
func (m *Model) Name() string { return ModelName }

// Sides splits pairs [B, H, W, 2C] in [0, 1] into the input and the target, each mapped
// to [-1, 1], the range of the generator's tanh.
func (m *Model) Sides(pairs *graph.Node) (x, y *graph.Node) {
	c := m.Cfg.Channels
	a := graph.Slice(pairs, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(), graph.AxisRange(0, c))
	b := graph.Slice(pairs, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(), graph.AxisRange(c, 2*c))
	if m.Cfg.Direction == BtoA {
		a, b = b, a
	}
	return toRange(a), toRange(b)
}

func toRange(x *graph.Node) *graph.Node   { return graph.AddScalar(graph.MulScalar(x, 2), -1) }
func fromRange(x *graph.Node) *graph.Node { return graph.MulScalar(graph.AddScalar(x, 1), 0.5) }

// Generator maps inputs x [B, H, W, C] in [-1, 1] to outputs in [-1, 1]: the U-Net.
func (m *Model) Generator(x *graph.Node) *graph.Node {
	u := blocks.UNet{Channels: m.Cfg.GenChannels, Out: m.Cfg.Channels, Dropout: m.Cfg.Dropout}
	return u.Apply(m.Store.Scope(GeneratorScope), x)
}

// Discriminator returns the PatchGAN's logits [B, h, w, 1] for the pair (x, y): it
// judges the output together with its input, so a sharp output that does not match
// the input is also fake.
func (m *Model) Discriminator(x, y *graph.Node) *graph.Node {
	p := blocks.PatchGAN{Channels: m.Cfg.DiscChannels}
	return p.Apply(m.Store.Scope(DiscriminatorScope), graph.Concatenate([]*graph.Node{x, y}, -1))
}

// L1 is the mean absolute difference of a and b: the reconstruction half of the
// generator's loss.
func L1(a, b *graph.Node) *graph.Node { return graph.ReduceAllMean(graph.Abs(graph.Sub(a, b))) }

// DLossFn is the discriminator's update on a batch of pairs: the cross-entropy of
// telling (x, y) from (x, G(x)) over every patch (gan.DLoss), halved as in the paper so
// that D learns at half G's pace.
func (m *Model) DLossFn() fit.LossFn {
	return func(_ *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
		x, y := m.Sides(inputs[0])
		fake := graph.StopGradient(m.Generator(x))
		lr, lf := m.Discriminator(x, y), m.Discriminator(x, fake)
		loss := graph.MulScalar(gan.DLoss(lr, lf), 0.5)
		return loss, []fit.Metric{{Name: "d_real", Value: meanProb(lr)}, {Name: "d_fake", Value: meanProb(lf)}}
	}
}

// GLossFn is the generator's update: fool D patch by patch (gan.GLoss, the
// non-saturating loss) plus Lambda times the L1 distance to the target; without
// Adversarial, the L1 distance alone.
func (m *Model) GLossFn() fit.LossFn {
	return func(_ *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
		x, y := m.Sides(inputs[0])
		fake := m.Generator(x)
		l1 := L1(fake, y)
		if !m.Cfg.Adversarial {
			return l1, []fit.Metric{{Name: "l1", Value: l1}}
		}
		lf := m.Discriminator(x, fake)
		adv := gan.GLoss(lf)
		loss := graph.Add(adv, graph.MulScalar(l1, m.Cfg.Lambda))
		return loss, []fit.Metric{{Name: "l1", Value: l1}, {Name: "adv", Value: adv}, {Name: "d_fake", Value: meanProb(lf)}}
	}
}

// meanProb is D's mean probability over a batch of patch logits.
func meanProb(logits *graph.Node) *graph.Node { return graph.ReduceAllMean(graph.Sigmoid(logits)) }
