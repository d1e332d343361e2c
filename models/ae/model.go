package ae

import (
	"fmt"

	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
)

// The encoder and decoder scopes are entered with Scope.At, not In: a network is meant
// to be applied more than once in one graph (decoding K importance samples, say).

// Model is an autoencoder: its graph-building methods (Encoder, Decoder, Loss) and its
// trained state (a model.Store with variables under "encoder" and "decoder", and the
// backend they live on). Host-side methods (Train, Encode, Decode, Reconstruct) are in
// host.go.
type Model struct {
	models.Base[Config]
}

// New returns an untrained model for cfg on the backend chosen by backend.New("")
// ($GOMLX_BACKEND, else the pure-Go CPU backend), or an error if cfg is invalid.
func New(cfg Config) (*Model, error) { return models.NewModel[Model](cfg) }

// EncoderFeatures runs the encoder body on x [B, H, W, C] and returns flat features
// [B, F], before the final projection to the code.
func (m *Model) EncoderFeatures(scope *model.Scope, x *graph.Node) *graph.Node {
	c := m.Cfg
	if x.Rank() != 4 || x.Shape().Dim(1) != c.H || x.Shape().Dim(2) != c.W || x.Shape().Dim(3) != c.C {
		panic(fmt.Sprintf("ae: input shape %s, want [batch, %d, %d, %d]", x.Shape(), c.H, c.W, c.C))
	}
	scope = scope.At("encoder")
	if c.Arch == MLP {
		return blocks.MLP(scope, x, c.Hidden, activation.TypeRelu)
	}
	return ConvBodyInit(scope, x, c.Channels, c.Init)
}

// ConvBody is the conv encoder's body: one stride-2 conv with a leaky ReLU per entry of
// channels, flattened to [B, F]. The face detector reads its logit off the same body,
// so that it and the DB-VAE built on this encoder differ in their training only.
func ConvBody(scope *model.Scope, x *graph.Node, channels []int) *graph.Node {
	return ConvBodyInit(scope, x, channels, "")
}

// ConvBodyInit is ConvBody with its convs initialized by init (Config.Init).
func ConvBodyInit(scope *model.Scope, x *graph.Node, channels []int, init blocks.Init) *graph.Node {
	hs, ws := blocks.HalvingSizes(x.Shape().Dim(1), len(channels)), blocks.HalvingSizes(x.Shape().Dim(2), len(channels))
	for i, ch := range channels {
		if blocks.HalvingKernel(hs[i]) != blocks.HalvingKernel(ws[i]) {
			panic(fmt.Sprintf("ae: conv layer %d: input %dx%d mixes odd and even sizes", i, hs[i], ws[i]))
		}
		x = blocks.Conv{Out: ch, Kernel: blocks.HalvingKernel(hs[i]), Stride: 2, Padding: blocks.Explicit(1), Init: init}.
			Apply(scope.In("conv_%d", i), x)
		x = activation.Apply(activation.TypeLeakyRelu, x)
	}
	return graph.Reshape(x, x.Shape().Dim(0), -1)
}

// DecoderLogits maps codes z [B, D] to per-pixel outputs [B, H, W, C]: the decoder body
// every model shares. The autoencoder reads them as pixel values; the VAEs as logits
// (the Bernoulli decoder's log-odds, the Gaussian decoder's mean after a sigmoid).
func (m *Model) DecoderLogits(scope *model.Scope, z *graph.Node) *graph.Node {
	c := m.Cfg
	scope = scope.At("decoder")
	b := z.Shape().Dim(0)
	if c.Arch == MLP {
		hidden := make([]int, len(c.Hidden))
		for i, h := range c.Hidden { // mirror the encoder
			hidden[len(hidden)-1-i] = h
		}
		h := blocks.MLP(scope, z, hidden, activation.TypeRelu)
		return graph.Reshape(blocks.Dense(scope, "out", h, c.H*c.W*c.C), b, c.H, c.W, c.C)
	}
	n := len(c.Channels)
	hs, ws := blocks.HalvingSizes(c.H, n), blocks.HalvingSizes(c.W, n)
	top := c.Channels[n-1]
	x := blocks.DenseInit(scope, "project", z, hs[n]*ws[n]*top, c.Init)
	x = activation.Apply(activation.TypeLeakyRelu, graph.Reshape(x, b, hs[n], ws[n], top))
	for i := n - 1; i >= 0; i-- {
		out := c.C
		if i > 0 {
			out = c.Channels[i-1]
		}
		gain := 1.0
		if i == 0 {
			gain = 0.1 // the output layer: see blocks.ConvT.Gain
		}
		x = blocks.ConvT{Out: out, Kernel: blocks.HalvingKernel(hs[i]), Stride: 2, Pad: 1, Gain: gain, Init: c.Init}.
			Apply(scope.In("convT_%d", i), x)
		if i > 0 {
			x = activation.Apply(activation.TypeLeakyRelu, x)
		}
	}
	return x
}

// Encoder maps images x [B, H, W, C] in [0, 1] to codes [B, Latent].
func (m *Model) Encoder(scope *model.Scope, x *graph.Node) *graph.Node {
	return blocks.DenseInit(scope.At("encoder"), "code", m.EncoderFeatures(scope, x), m.Cfg.Latent, m.Cfg.Init)
}

// Decoder maps codes z [B, Latent] to images [B, H, W, C]: the autoencoder's linear
// pixel predictions clipped to [0, 1] (see Loss for why there is no sigmoid).
func (m *Model) Decoder(scope *model.Scope, z *graph.Node) *graph.Node {
	return graph.ClipScalar(m.DecoderLogits(scope, z), 0, 1)
}
