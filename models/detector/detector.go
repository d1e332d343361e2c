// Package detector is a face detector: a conv net that tells faces from other photos,
// the plain classifier of the course's debiasing chapter. Trained on UTKFace's faces
// and photos without faces (datasets/objects), it is accurate on average and less so on
// the faces the data has few of; the DB-VAE (models/dbvae) is the same network trained
// with a VAE beside it, which finds those faces and shows them more often.
//
// Its minibatches are half faces, half objects (Batches), as in Amini et al.'s
// experiments, so that the two classes weigh the same whatever their counts; the DB-VAE
// changes only which faces fill its half.
package detector

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/objects"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/ae"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "detector"

// Config describes the detector and how to train it.
type Config struct {
	H, W, C int // image shape
	// Channels are the stride-2 convs' channels: the conv VAE's encoder body
	// (ae.ConvBody), whose flat features a dense layer reads the face logit from.
	Channels     []int
	LearningRate float64
	BatchSize    int // half faces, half objects
}

// DefaultConfig is the detector for the 32x32 faces: convs 32, 64, 64, 128 (32 -> 16 ->
// 8 -> 4 -> 2), Adam 5e-4, batches of 64 (32 faces, 32 objects).
func DefaultConfig() Config {
	return Config{H: 32, W: 32, C: 3, Channels: []int{32, 64, 64, 128}, LearningRate: 5e-4, BatchSize: 64}
}

// Configure is DefaultConfig sized to data's images, with o's batch size and learning
// rate where given.
func Configure(data *datasets.Images, o models.Options) (Config, error) {
	c := DefaultConfig()
	c.H, c.W, c.C = data.H, data.W, data.C
	o.Override(&c.BatchSize, &c.LearningRate)
	return c, nil
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.H < 1 || c.W < 1 || c.C < 1 || len(c.Channels) == 0 {
		return fmt.Errorf("detector: image %dx%dx%d, channels %v", c.H, c.W, c.C, c.Channels)
	}
	if c.H>>len(c.Channels) < 1 || c.W>>len(c.Channels) < 1 {
		return fmt.Errorf("detector: %d stride-2 convs shrink %dx%d to nothing", len(c.Channels), c.H, c.W)
	}
	if c.BatchSize < 2 || c.BatchSize%2 != 0 || c.LearningRate <= 0 {
		return fmt.Errorf("detector: batch size %d must be even (half faces, half objects) and learning rate %g positive",
			c.BatchSize, c.LearningRate)
	}
	return nil
}

// Shape is the image shape, h x w x c.
func (c Config) Shape() (h, w, ch int) { return c.H, c.W, c.C }

// Model is a trained (or untrained) detector.
type Model struct {
	models.Base[Config]
}

// New returns an untrained detector for cfg on the backend chosen by backend.New("").
func New(cfg Config) (*Model, error) { return models.NewModel[Model](cfg) }

func init() { models.RegisterModel(ModelName, Configure, New) }

// Name is the model's registered name.
func (m *Model) Name() string { return ModelName }

// Logit maps images x [B, H, W, C] to the face logit [B]: the conv body under
// "encoder", then a dense layer "face". The DB-VAE reads its logit off the same
// variables beside its code.
func Logit(scope *model.Scope, x *graph.Node, channels []int) *graph.Node {
	enc := scope.At("encoder")
	return FaceHead(enc, ae.ConvBody(enc, x, channels))
}

// FaceHead is the dense layer that maps the encoder's features [B, F] to the face
// logit [B].
func FaceHead(enc *model.Scope, h *graph.Node) *graph.Node {
	return graph.Reshape(blocks.Dense(enc, "face", h, 1), h.Shape().Dim(0))
}

// ClassLoss is the mean binary cross-entropy of face logits [B] against labels [B]
// (int32, 1 for a face), and the accuracy at probability 1/2; with the per-example
// cross-entropy and the labels as floats, which the DB-VAE's loss reuses.
func ClassLoss(logit, labels *graph.Node) (loss, acc, perExample, face *graph.Node) {
	face = graph.ConvertDType(labels, logit.DType())
	perExample = graph.Sub(graph.Softplus(logit), graph.Mul(face, logit))
	hit := graph.Equal(graph.ConvertDType(graph.GreaterThan(logit, graph.ZerosLike(logit)), logit.DType()), face)
	return graph.ReduceAllMean(perExample), graph.ReduceAllMean(graph.ConvertDType(hit, logit.DType())), perExample, face
}

// Loss is the detector's objective on inputs (images, labels).
func (m *Model) Loss(scope *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
	loss, acc, _, _ := ClassLoss(Logit(scope, inputs[0], m.Cfg.Channels), inputs[1])
	return loss, []fit.Metric{{Name: "acc", Value: acc}}
}

// Train fits the detector to a detection set (objects.Detection: faces labelled 1,
// objects 0) for cfg.Steps balanced minibatches, resuming from cfg.CheckpointDir.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	b, err := NewBatches(data, m.Cfg, cfg.Seed)
	if err != nil {
		return nil, err
	}
	cfg.Meta = fit.ModelMeta(ModelName, m.Cfg, data)
	return fit.Train(ctx, m.Backend, m.Store, cfg, b.Draw, m.Updates()...)
}

// Updates is the detector's training step: Adam on Loss, for Train and the bench.
func (m *Model) Updates() []fit.Update {
	return []fit.Update{{Name: ModelName, Loss: m.Loss, Optimizer: fit.Adam(m.Cfg.LearningRate)}}
}

// Load rebuilds a model saved by Train or models.Save from dir.
func Load(dir string) (*Model, error) { return models.LoadAs(dir, ModelName, New) }

// Detect returns the probability that each of n images is a face.
func (m *Model) Detect(images []float32, n int) ([]float32, error) {
	return m.Run("detector/p", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return graph.Sigmoid(Logit(scope, x, m.Cfg.Channels))
	}, images, n, m.Cfg.H, m.Cfg.W, m.Cfg.C)
}

// Accuracy is the fraction of a labelled detection set the detector gets right.
func (m *Model) Accuracy(data *datasets.Images) (float64, error) { return Accuracy(m, data) }

// Accuracy scores a detector on a detection set: the fraction of images whose
// probability of a face is above 1/2 exactly when they are faces.
func Accuracy(d models.Detector, data *datasets.Images) (float64, error) {
	hits, err := Hits(d, data)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, h := range hits {
		if h {
			n++
		}
	}
	return float64(n) / float64(len(hits)), nil
}

// Hits says, for each image of a labelled detection set, whether d gets it right.
func Hits(d models.Detector, data *datasets.Images) ([]bool, error) {
	if err := checkDetection(data); err != nil {
		return nil, err
	}
	p, err := d.Detect(data.Floats(), data.N)
	if err != nil {
		return nil, err
	}
	hits := make([]bool, data.N)
	for i, q := range p {
		hits[i] = (q > 0.5) == (data.Labels[i] == 1)
	}
	return hits, nil
}

func checkDetection(data *datasets.Images) error {
	if data.N == 0 || len(data.Labels) != data.N || !slices.Equal(data.Classes, objects.Classes) {
		return fmt.Errorf("detector: %s is not a detection set (labels %v: see objects.Detection, dataset %q)",
			data.Name, data.Classes, objects.DetectName)
	}
	return nil
}

// Batches draws a detector's minibatches from a detection set: each is half faces,
// half objects, every image flipped left-right with probability 1/2. The objects come
// in shuffled epochs (datasets.Sampler); so do the faces, until SetWeights gives them
// probabilities (the DB-VAE's resampling), after which they are drawn with
// replacement by those. Every batch is a function of its number, the seed and the
// weights, so a resumed run draws what an uninterrupted one does.
type Batches struct {
	data           *datasets.Images
	faces, objects []int
	half           int
	seed           uint64
	faceOrder      *datasets.Sampler
	objectOrder    *datasets.Sampler
	cum            []float64 // cumulative face weights; nil: shuffled epochs
}

// NewBatches returns the batches of cfg.BatchSize images from data with seed.
func NewBatches(data *datasets.Images, cfg Config, seed int64) (*Batches, error) {
	if err := data.Check(cfg.H, cfg.W, cfg.C); err != nil {
		return nil, fmt.Errorf("detector: %w", err)
	}
	if err := checkDetection(data); err != nil {
		return nil, err
	}
	b := &Batches{data: data, half: cfg.BatchSize / 2, seed: uint64(seed)}
	for i, l := range data.Labels {
		if l == 1 {
			b.faces = append(b.faces, i)
		} else {
			b.objects = append(b.objects, i)
		}
	}
	if len(b.faces) < b.half || len(b.objects) < b.half {
		return nil, fmt.Errorf("detector: %s has %d faces and %d objects; a batch of %d needs %d of each",
			data.Name, len(b.faces), len(b.objects), cfg.BatchSize, b.half)
	}
	b.faceOrder = datasets.NewSampler(len(b.faces), b.half, b.seed)
	b.objectOrder = datasets.NewSampler(len(b.objects), b.half, b.seed^0x0b1ec7)
	return b, nil
}

// Faces returns the indices in the data of its faces, in the order SetWeights reads.
func (b *Batches) Faces() []int { return b.faces }

// Epoch is the number of batches that show as many faces as the data has.
func (b *Batches) Epoch() int { return (len(b.faces) + b.half - 1) / b.half }

// SetWeights makes later batches draw faces with probability proportional to w (one
// weight per face, in Faces' order, non-negative with a positive sum).
func (b *Batches) SetWeights(w []float64) error {
	if len(w) != len(b.faces) {
		return fmt.Errorf("detector: %d weights for %d faces", len(w), len(b.faces))
	}
	cum := make([]float64, len(w))
	s := 0.0
	for i, v := range w {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("detector: face %d has weight %g", i, v)
		}
		s += v
		cum[i] = s
	}
	if s <= 0 {
		return fmt.Errorf("detector: the face weights sum to %g", s)
	}
	b.cum = cum
	return nil
}

// FaceBatch returns the positions (in Faces) of the faces of batch i.
func (b *Batches) FaceBatch(i int) []int {
	if b.cum == nil {
		return b.faceOrder.Batch(i)
	}
	rng := datasets.Rand(b.seed, 0xfa<<32|uint64(i))
	total := b.cum[len(b.cum)-1]
	out := make([]int, b.half)
	for j := range out {
		out[j] = min(sort.SearchFloat64s(b.cum, rng.Float64()*total), len(b.cum)-1)
	}
	return out
}

// Draw returns batch i: images [B, H, W, C] and labels [B] (int32), faces first.
func (b *Batches) Draw(i int) ([]*tensors.Tensor, error) {
	idx := make([]int, 0, 2*b.half)
	for _, f := range b.FaceBatch(i) {
		idx = append(idx, b.faces[f])
	}
	for _, o := range b.objectOrder.Batch(i) {
		idx = append(idx, b.objects[o])
	}
	px, labels := b.data.Gather(idx)
	d := b.data
	datasets.Mirror(datasets.Rand(b.seed, 0x3e<<32|uint64(i)), px, len(idx), d.H, d.W, d.C)
	return []*tensors.Tensor{
		tensors.FromFlatDataAndDimensions(px, len(idx), d.H, d.W, d.C),
		tensors.FromFlatDataAndDimensions(labels, len(idx)),
	}, nil
}
