// Package models is the contract every genlab model keeps: a model is a folder under
// models/ that registers itself here by name, and whatever can be done with a model
// (sampling, reconstructing, encoding, scoring a likelihood, translating an image) is a
// small interface it implements, found by type assertion. The genlab command and the
// notebooks never switch on a model's name: they ask the registry, as image.Decode asks
// the formats registered with image.RegisterFormat.
//
// A new model package
//
//   - embeds Base[Config] (its configuration, variables and backend) and gives itself
//     New(cfg), Load(dir) and Train(ctx, data, fit.Config), the verbs of every model;
//   - registers itself from its init with Register: its name, how to build it for a
//     dataset from Options (what the command's flags say), and how to load it;
//   - may import the models before it (the VAE is built on the autoencoder) and blocks,
//     fit, datasets; never cmd or lab.
package models

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/gomlx/ml/model"
)

// Model is what every genlab model is: a named configuration with variables that
// trains on images of one shape.
type Model interface {
	// Name is the name the model registered under, recorded in its checkpoints.
	Name() string
	// Config is the model's configuration (a JSON-serializable struct), recorded beside
	// its variables so that Load can rebuild the model.
	Config() any
	// Shape is the height, width and channels of the images the model reads or makes.
	Shape() (h, w, c int)
	// Variables holds the trained state.
	Variables() *model.Store
	// Train fits the model to data for cfg.Steps steps, resuming from
	// cfg.CheckpointDir when it holds a checkpoint.
	Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error)
}

// What a model can do besides training: each an interface a model implements or not.
type (
	// Sampler draws n samples (images in [0, 1], n*H*W*C values) from the model with
	// a seed: the VAE from its prior, a GAN from fixed noise.
	Sampler interface {
		Sample(n int, seed uint64) ([]float32, error)
	}
	// PassSampler is a Sampler that draws in many network passes (PixelCNN: one per
	// pixel): SamplePasses is Sample, calling progress (if not nil) after each pass
	// with the passes done and their total, for a progress bar on long sampling.
	PassSampler interface {
		SamplePasses(n int, seed uint64, progress func(done, total int)) ([]float32, error)
	}
	// StepSampler is a sampler whose number of network passes per sample can be
	// chosen: a diffusion model's DDIM steps (0: all T ancestral steps).
	StepSampler interface {
		SetSteps(n int) error
	}
	// SolverSampler is a sampler that integrates an ordinary differential equation
	// with a solver that can be chosen: a flow model's Euler or Heun.
	SolverSampler interface {
		SetSolver(name string) error
	}
	// GuidedSampler is a conditional sampler whose classifier-free guidance weight w
	// can be chosen at sampling (a conditional diffusion model's: 0 samples from the
	// conditional model alone, larger w trades variety for the label's look).
	GuidedSampler interface {
		SetGuidance(w float64) error
	}
	// ClassGridder draws a conditional model's class grid: cols samples of each class,
	// row by row, the same noise down each column.
	ClassGridder interface {
		Classes() int
		ClassGrid(cols int, seed uint64) ([]float32, error)
	}
	// Reconstructor maps images to their reconstructions.
	Reconstructor interface {
		Reconstruct(images []float32, n int) ([]float32, error)
	}
	// Encoder maps images to codes: what latent traversals and the MIG read.
	Encoder interface {
		Encode(images []float32, n int) ([]float32, error)
	}
	// Featurizer maps images to the features a linear probe reads.
	Featurizer interface {
		Features(images []float32, n int) ([]float32, error)
	}
	// LogWeighter returns importance log-weights log p(x, z_k) - log q(z_k | x), [n, k],
	// for the importance-weighted likelihood (eval.NLL).
	LogWeighter interface {
		LogWeightsOf(images []float32, n, k int) ([]float32, error)
	}
	// Density gives the exact log-likelihood log p(x) of each of n images in nats
	// (autoregressive models), where a LogWeighter gives importance weights for a
	// bound. A model with BinaryData true is a density over binary images (eval
	// binarizes the test images for it).
	Density interface {
		LogLikelihoods(images []float32, n int) ([]float64, error)
	}
	// Classifier labels images; its accuracy on a labelled set is its score.
	Classifier interface {
		Accuracy(data *datasets.Images) (float64, error)
	}
	// Translator maps images of one domain to another (image-to-image models): Translate
	// maps n inputs to outputs, and Pairs splits a paired dataset (both sides stacked on
	// channels) into the inputs the model reads and the targets it should produce; for
	// unpaired data (two labelled domains) it gives the inputs and a nil target.
	Translator interface {
		Translate(images []float32, n int) ([]float32, error)
		Pairs(pairs *datasets.Images) (in, target *datasets.Images, err error)
	}
	// Cycler is a translator of unpaired domains with the way back (CycleGAN): Cycle
	// maps n inputs to the other domain and back, returning the reconstructions, and
	// Target picks the images of the domain it translates into from a set of both.
	Cycler interface {
		Cycle(images []float32, n int) ([]float32, error)
		Target(data *datasets.Images) (*datasets.Images, error)
	}
	// Detector tells faces from other images: Detect gives the probability that each
	// of n images is a face. Its accuracy is read per group of faces (eval.Groups).
	Detector interface {
		Detect(images []float32, n int) ([]float32, error)
	}
	// Regressor reads a number off images; its mean absolute error on a labelled set
	// is its score.
	Regressor interface {
		Error(data *datasets.Images) (float64, error)
	}
)

// Options are the knobs the genlab command offers for every model. A model reads the
// ones that mean something to it and leaves the rest; a zero value means "the model's
// default". Anything else in a configuration is set by name with Set.
type Options struct {
	Arch         string  // network family (conv, mlp)
	Latent       int     // code or noise size
	BatchSize    int     // minibatch size
	LearningRate float64 // the optimizer's step size
	Beta         float64 // the KL weight of a VAE (> 1: a beta-VAE)
	Loss         string  // the objective, for models with more than one
	Conditional  bool    // condition on the class label
	BatchNorm    bool    // batch normalization where the architecture allows it
	// Set assigns configuration fields by name (see SetFields): {"Sigma": "0.2"}.
	// Applied last, after the model has read the fields above.
	Set map[string]string
}

// Override applies the batch size and learning rate of o, where given, to a model's
// configuration fields.
func (o Options) Override(batchSize *int, learningRate *float64) {
	if o.BatchSize > 0 {
		*batchSize = o.BatchSize
	}
	if o.LearningRate > 0 {
		*learningRate = o.LearningRate
	}
}

// Registration is how a model package makes itself known; RegisterModel builds one
// from the model's typed constructor.
type Registration struct {
	Name string
	// New returns an untrained model for training on data (it reads the images' shape,
	// classes and kind), configured by o.
	New func(data *datasets.Images, o Options) (Model, error)
	// Load rebuilds a model from a checkpoint directory written by its training or Save.
	Load func(dir string) (Model, error)
}

// RegisterModel registers a model from its two typed functions: configure turns a
// dataset and the options into a configuration (the model's DefaultConfig adapted), and
// newModel builds the model from a configuration, as the package's New does. Options.Set
// is applied between the two, so every field of every model can be set by name.
func RegisterModel[C Configurable, M Model](name string, configure func(data *datasets.Images, o Options) (C, error), newModel func(C) (M, error)) {
	Register(Registration{
		Name: name,
		New: func(data *datasets.Images, o Options) (Model, error) {
			cfg, err := configure(data, o)
			if err != nil {
				return nil, err
			}
			if err := SetFields(&cfg, o.Set); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return newModel(cfg)
		},
		Load: func(dir string) (Model, error) { return LoadAs(dir, name, newModel) },
	})
}

// SetFields assigns fields of the configuration *cfg by name (case-insensitive; the
// fields of embedded structs count as the outer struct's, as in JSON) from JSON values:
// "0.2", "[32,64]", "true"; a value that is not JSON is taken as a string ("mlp"). An
// unknown name is an error that lists the fields.
func SetFields[C any](cfg *C, set map[string]string) error {
	if len(set) == 0 {
		return nil
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return fmt.Errorf("the configuration is not a struct: %w", err)
	}
	names := slices.Sorted(maps.Keys(fields))
	for key, value := range set {
		i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, key) })
		if i < 0 {
			return fmt.Errorf("no configuration field %q (fields: %s)", key, strings.Join(names, ", "))
		}
		v := json.RawMessage(value)
		if !json.Valid(v) {
			v, _ = json.Marshal(value)
		}
		fields[names[i]] = v
	}
	raw, err = json.Marshal(fields)
	if err != nil {
		return err
	}
	var out C
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("setting %v: %w", set, err)
	}
	*cfg = out
	return nil
}

var (
	mu       sync.RWMutex
	registry = map[string]Registration{}
)

// Register makes a model available by name. It panics on an empty or duplicate name
// or a missing function: registrations run from init, where that is a programming error.
func Register(r Registration) {
	mu.Lock()
	defer mu.Unlock()
	if r.Name == "" || r.New == nil || r.Load == nil {
		panic(fmt.Sprintf("models: incomplete registration %+v", r))
	}
	if _, dup := registry[r.Name]; dup {
		panic("models: " + r.Name + " registered twice")
	}
	registry[r.Name] = r
}

// Lookup returns the registration of a model by name, or an error that lists the
// registered ones.
func Lookup(name string) (Registration, error) {
	mu.RLock()
	r, ok := registry[name]
	mu.RUnlock()
	if !ok {
		return r, fmt.Errorf("unknown model %q (registered: %s)", name, strings.Join(Names(), ", "))
	}
	return r, nil
}

// Names lists the registered models, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Load reads the model name in dir's checkpoint and rebuilds that model with its
// registered Load.
func Load(dir string) (Model, error) {
	meta, err := fit.ReadMeta(dir)
	if err != nil {
		return nil, err
	}
	r, err := Lookup(meta["model"])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return r.Load(dir)
}

// New builds the named model, untrained, for data with o.
func New(name string, data *datasets.Images, o Options) (Model, error) {
	r, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	return r.New(data, o)
}

// Save writes m's variables with its name and configuration to dir, at its global
// step; Load (or the model package's own Load) reads it back.
func Save(dir string, m Model) error {
	return fit.SaveModel(dir, m.Variables(), m.Name(), m.Config())
}

// Configurable is what Base needs of a configuration.
type Configurable interface {
	Validate() error
	Shape() (h, w, c int)
}

// Base is what every model holds: its configuration and a fit.Host (variables,
// backend, compiled host-side functions). A model embeds it and gets Config, Shape
// and Variables; it adds Name, Train and its abilities.
type Base[C Configurable] struct {
	Cfg C
	fit.Host
}

// NewBase validates cfg and returns a Base with empty variables on the backend
// backend.New("") picks ($GOMLX_BACKEND, else the pure-Go CPU backend).
func NewBase[C Configurable](cfg C) (Base[C], error) {
	if err := cfg.Validate(); err != nil {
		return Base[C]{}, err
	}
	h, err := fit.NewHost()
	if err != nil {
		return Base[C]{}, err
	}
	return Base[C]{Cfg: cfg, Host: h}, nil
}

// NewModel is the constructor of every model type M whose only field is its
// Base[C]: it validates cfg and returns an untrained M on the default backend. A model
// package's New is this, typed: func New(cfg Config) (*Model, error) { return
// models.NewModel[Model](cfg) }.
func NewModel[M ~struct{ Base[C] }, C Configurable](cfg C) (*M, error) {
	b, err := NewBase(cfg)
	if err != nil {
		return nil, err
	}
	m := M(struct{ Base[C] }{b})
	return &m, nil
}

// Config returns the configuration.
func (b *Base[C]) Config() any { return b.Cfg }

// Shape returns the configuration's image shape.
func (b *Base[C]) Shape() (h, w, c int) { return b.Cfg.Shape() }

// Variables returns the store of the model's variables.
func (b *Base[C]) Variables() *model.Store { return b.Store }

// LoadAs rebuilds a model of the named kind saved in dir: it reads the configuration
// into a C, builds the model with newModel and loads the variables. A model package's
// Load is this with its own name and New.
func LoadAs[C any, M Model](dir, name string, newModel func(C) (M, error)) (M, error) {
	return fit.LoadModel(dir, name, newModel, func(m M) *model.Store { return m.Variables() })
}

// LoadOrTrain returns the model saved in dir (read with load), or, when dir holds no
// checkpoint, trains one there and returns it: data is called only then, for the
// training set, build makes the untrained model for it, and cfg gives the budget and
// seed. The lab's scorers (the Frechet distance's classifier, the age regressor) are
// trained once this way and shared by every evaluation.
func LoadOrTrain[M Model](ctx context.Context, dir string, load func(string) (M, error),
	build func(*datasets.Images) (M, error), data func() (*datasets.Images, error), cfg fit.Config) (M, error) {
	if fit.HasCheckpoint(dir) {
		return load(dir)
	}
	var none M
	d, err := data()
	if err != nil {
		return none, err
	}
	m, err := build(d)
	if err != nil {
		return none, err
	}
	cfg.CheckpointDir = dir
	if _, err := m.Train(ctx, d, cfg); err != nil {
		return none, err
	}
	return m, nil
}
