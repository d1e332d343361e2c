package gan

import (
	"fmt"

	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
)

// Scopes of the two players' variables: each player's optimizer updates only its own.
const (
	GeneratorScope     = "/generator"
	DiscriminatorScope = "/discriminator"
)

// leak is the discriminator's LeakyReLU slope. DCGAN's choice: a ReLU discriminator
// passes no gradient back through inactive units, and the generator learns only
// through the discriminator's gradient.
const leak = 0.2

// Model is a GAN: a generator G(z) and a discriminator D(x) (logits), with their
// variables under GeneratorScope and DiscriminatorScope of Store.
type Model struct {
	models.Base[Config]
}

// New returns an untrained GAN for cfg on the backend chosen by backend.New("").
func New(cfg Config) (*Model, error) { return models.NewModel[Model](cfg) }

// Noise draws z ~ N(0, I), [n, Noise], from the store's random state.
func (m *Model) Noise(g *graph.Graph, n int) *graph.Node {
	return m.Store.Scope("/").RandomNormal(g, shapes.Make(dtypes.Float32, n, m.Cfg.Noise))
}

// oneHot returns labels [B] (int32) as one-hot float rows [B, Classes], or nil for an
// unconditional model.
func (m *Model) oneHot(labels *graph.Node) *graph.Node {
	if m.Cfg.Classes == 0 || labels == nil {
		return nil
	}
	return graph.OneHot(graph.Reshape(labels, -1), m.Cfg.Classes, dtypes.Float32)
}

// Generator maps noise z [B, Noise] (and labels [B] for a conditional GAN, else nil)
// to samples [B, H, W, C]. It always works in the root scope it is given's
// GeneratorScope, so the G and D updates build the same network.
func (m *Model) Generator(z, labels *graph.Node) *graph.Node {
	c := m.Cfg
	scope := m.Store.Scope(GeneratorScope)
	b := z.Shape().Dim(0)
	if y := m.oneHot(labels); y != nil {
		z = graph.Concatenate([]*graph.Node{z, y}, -1) // the label enters with the noise
	}
	var x *graph.Node
	switch c.Arch {
	case MLP:
		h := blocks.MLP(scope, z, c.Hidden, activation.TypeRelu)
		x = graph.Reshape(blocks.Dense(scope, "out", h, c.H*c.W*c.C), b, c.H, c.W, c.C)
	case DCGAN:
		n := len(c.GenChannels)
		h0, w0 := c.H>>n, c.W>>n
		x = blocks.DenseInit(scope, "project", z, h0*w0*c.GenChannels[0], c.Init)
		x = graph.Reshape(x, b, h0, w0, c.GenChannels[0])
		x = activation.Relu(m.norm(scope.In("project_norm"), x))
		for i := range n {
			out := c.C
			if i+1 < n {
				out = c.GenChannels[i+1]
			}
			sc := scope.In("convT_%d", i)
			x = blocks.ConvT{Out: out, Kernel: 4, Stride: 2, Pad: 1, Init: c.Init}.Apply(sc, x)
			if i+1 < n {
				x = activation.Relu(m.norm(sc, x))
			}
		}
	}
	if c.Tanh {
		x = graph.Tanh(x)
	}
	return x
}

// Discriminator maps samples x [B, H, W, C] (in the generator's output range; and
// labels [B] for a conditional GAN, else nil) to logits [B]: log D/(1-D).
func (m *Model) Discriminator(x, labels *graph.Node) *graph.Node {
	c := m.Cfg
	scope := m.Store.Scope(DiscriminatorScope)
	b := x.Shape().Dim(0)
	y := m.oneHot(labels)
	var h *graph.Node
	switch c.Arch {
	case MLP:
		h = graph.Reshape(x, b, -1)
		if y != nil {
			h = graph.Concatenate([]*graph.Node{h, y}, -1)
		}
		for i, w := range c.Hidden {
			h = activation.LeakyReluWith(blocks.Dense(scope, fmt.Sprintf("dense_%d", i), h, w), leak)
		}
	case DCGAN:
		if y != nil { // the label as constant extra channels: every conv tap sees it
			planes := graph.BroadcastToDims(graph.Reshape(y, b, 1, 1, c.Classes), b, c.H, c.W, c.Classes)
			x = graph.Concatenate([]*graph.Node{x, planes}, -1)
		}
		sizes := blocks.HalvingSizes(c.H, len(c.DiscChannels))
		h = x
		for i, ch := range c.DiscChannels {
			sc := scope.In("conv_%d", i)
			h = blocks.Conv{Out: ch, Kernel: blocks.HalvingKernel(sizes[i]), Stride: 2, Padding: blocks.Explicit(1), Init: c.Init}.Apply(sc, h)
			if i > 0 { // not on the first layer: D would see normalized pixels, as DCGAN found
				h = m.norm(sc, h)
			}
			h = activation.LeakyReluWith(h, leak)
		}
	}
	return graph.Reshape(blocks.DenseInit(scope, "out", h, 1, c.Init), b)
}

// norm is batch normalization where the config asks for it, else the identity.
func (m *Model) norm(scope *model.Scope, x *graph.Node) *graph.Node {
	if !m.Cfg.BatchNorm {
		return x
	}
	return blocks.BatchNorm{}.Apply(scope, x)
}

// ToRange maps real data in [0, 1] to the generator's output range ([-1, 1] with Tanh).
func (m *Model) ToRange(x *graph.Node) *graph.Node {
	if m.Cfg.Tanh {
		return graph.AddScalar(graph.MulScalar(x, 2), -1)
	}
	return x
}

// FromRange maps generator outputs back to the data range.
func (m *Model) FromRange(x *graph.Node) *graph.Node {
	if m.Cfg.Tanh {
		return graph.MulScalar(graph.AddScalar(x, 1), 0.5)
	}
	return x
}
