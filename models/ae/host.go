package ae

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

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
