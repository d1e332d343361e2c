package ae

import (
	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// chunk is how many items host-side methods push through a graph at once.
const chunk = 500

// Mapper returns the cached host-side runner of a graph function, compiling it on first
// use. Models that embed this one (the VAE) use it for their own functions.
func (m *Model) Mapper(name string, fn func(scope *model.Scope, x *graph.Node) *graph.Node) (*fit.Mapper, error) {
	return m.mappers.Get(name, fn)
}

// Run applies a named graph function to n items (see fit.Mapper.Map).
func (m *Model) Run(name string, fn func(scope *model.Scope, x *graph.Node) *graph.Node, data []float32, n int, itemDims ...int) ([]float32, error) {
	mp, err := m.Mapper(name, fn)
	if err != nil {
		return nil, err
	}
	out, _, err := mp.Map(data, n, itemDims, chunk)
	return out, err
}

// Encode maps n images (NHWC float32 in [0, 1]) to their codes, n*Latent values.
func (m *Model) Encode(images []float32, n int) ([]float32, error) {
	return m.Run("encode", m.Encoder, images, n, m.Cfg.H, m.Cfg.W, m.Cfg.C)
}

// Decode maps n codes to images, n*H*W*C values in [0, 1].
func (m *Model) Decode(codes []float32, n int) ([]float32, error) {
	return m.Run("decode", m.Decoder, codes, n, m.Cfg.Latent)
}

// Reconstruct encodes and decodes n images.
func (m *Model) Reconstruct(images []float32, n int) ([]float32, error) {
	return m.Run("reconstruct", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return m.Decoder(scope, m.Encoder(scope, x))
	}, images, n, m.Cfg.H, m.Cfg.W, m.Cfg.C)
}

// Features maps n images to the encoder's features (before the code projection), the
// representation a linear probe reads.
func (m *Model) Features(images []float32, n int) ([]float32, error) {
	return m.Run("features", m.EncoderFeatures, images, n, m.Cfg.H, m.Cfg.W, m.Cfg.C)
}
