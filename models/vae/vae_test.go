package vae

import (
	"context"
	"math"
	"testing"

	"github.com/genlab-go/genlab/backend"
	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models/ae"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

func eval1(t *testing.T, fn func(g *graph.Graph) *graph.Node) []float64 {
	t.Helper()
	out := graph.MustExecOnce(backend.MustNew("go"), fn)
	return tensors.MustCopyFlatData[float64](out)
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*(1+math.Abs(b)) }

func TestKLClosedForm(t *testing.T) {
	// KL(N(0,1) || N(0,1)) = 0 in every dimension.
	got := eval1(t, func(g *graph.Graph) *graph.Node {
		return KL(graph.Const(g, [][]float64{{0, 0, 0}}), graph.Const(g, [][]float64{{0, 0, 0}}))
	})
	if !near(got[0], 0) {
		t.Errorf("KL(N(0,1)||N(0,1)) = %g, want 0", got[0])
	}
	// By hand: mu = 1, var = e (logvar = 1): 1/2 (1 + e - 1 - 1) = (e - 1)/2; a second
	// dimension mu = 0, logvar = -2: 1/2 (e^-2 - 1 + 2).
	got = eval1(t, func(g *graph.Graph) *graph.Node {
		return KL(graph.Const(g, [][]float64{{1, 0}}), graph.Const(g, [][]float64{{1, -2}}))
	})
	want := (math.E-1)/2 + (math.Exp(-2)+1)/2
	if !near(got[0], want) {
		t.Errorf("KL = %.12g, want %.12g", got[0], want)
	}
}

func TestELBOPiecesByHand(t *testing.T) {
	// Bernoulli log-likelihood of x = (1, 0) under logits (0, ln 3): p = (1/2, 3/4),
	// log p(x) = log(1/2) + log(1/4).
	got := eval1(t, func(g *graph.Graph) *graph.Node {
		return graph.ReduceAllSum(BCEWithLogits(graph.Const(g, []float64{0, math.Log(3)}), graph.Const(g, []float64{1, 0})))
	})
	if want := -(math.Log(0.5) + math.Log(0.25)); !near(got[0], want) {
		t.Errorf("BCE = %.12g, want %.12g", got[0], want)
	}
	// log N(z=1; mu=0, var=1) in 2-D with z = (1, 0): -1/2 (1) - log(2 pi).
	got = eval1(t, func(g *graph.Graph) *graph.Node {
		return LogNormal(graph.Const(g, [][]float64{{1, 0}}), graph.Const(g, [][]float64{{0, 0}}), graph.Const(g, [][]float64{{0, 0}}))
	})
	if want := -0.5 - math.Log(2*math.Pi); !near(got[0], want) {
		t.Errorf("LogNormal = %.12g, want %.12g", got[0], want)
	}
	// log-mean-exp of (log 1, log 3) = log 2, and it survives huge values.
	got = eval1(t, func(g *graph.Graph) *graph.Node {
		return LogMeanExp(graph.Const(g, [][]float64{{0, math.Log(3)}, {1000, 1000}}))
	})
	if !near(got[0], math.Log(2)) || !near(got[1], 1000) {
		t.Errorf("LogMeanExp = %v, want [log 2, 1000]", got)
	}
}

func smallConfig(arch ae.Arch) Config {
	c := DefaultConfig()
	c.Arch, c.H, c.W, c.Latent, c.BatchSize = arch, 16, 16, 4, 16
	c.Hidden, c.Channels = []int{64}, []int{8, 16}
	c.Binarize = false
	c.LearningRate = 2e-3
	return c
}

// tinyShapes renders n 16x16 shapes images from a small factor grid.
func tinyShapes(t *testing.T, n int, seed uint64) *datasets.Images {
	t.Helper()
	d, err := shapes.Sample(shapes.Config{Size: 16, Scales: 2, Rotations: 2, XPos: 3, YPos: 3, MinScale: 0.6, MaxScale: 1, Supersample: 2}, n, seed)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestShapesSampleAndImportanceWeights(t *testing.T) {
	d := tinyShapes(t, 6, 3)
	for _, arch := range []ae.Arch{ae.MLP, ae.Conv} {
		m, err := New(smallConfig(arch))
		if err != nil {
			t.Fatal(err)
		}
		s, err := m.Sample(5, 1)
		if err != nil || len(s) != 5*16*16 {
			t.Fatalf("%s: Sample: %d values, %v", arch, len(s), err)
		}
		w, err := m.LogWeightsOf(d.Pixels, d.N, 7)
		if err != nil || len(w) != 6*7 {
			t.Fatalf("%s: LogWeightsOf: %d values, %v", arch, len(w), err)
		}
		// The importance-weighted bound (log-mean-exp) is never below the mean (ELBO).
		for i := range d.N {
			row := w[i*7 : (i+1)*7]
			var mean, maxv float64
			maxv = math.Inf(-1)
			for _, v := range row {
				mean += float64(v) / 7
				maxv = max(maxv, float64(v))
			}
			var s float64
			for _, v := range row {
				s += math.Exp(float64(v) - maxv)
			}
			if lme := maxv + math.Log(s/7); lme < mean-1e-3 {
				t.Errorf("%s: image %d: log-mean-exp %g < mean %g", arch, i, lme, mean)
			}
		}
	}
}

// TestOverfitTinyBatch: on 16 fixed images the negative ELBO must fall far below its
// starting value, and the KL term must stay finite and positive.
func TestOverfitTinyBatch(t *testing.T) {
	d := tinyShapes(t, 16, 5)
	for _, arch := range []ae.Arch{ae.MLP, ae.Conv} {
		m, err := New(smallConfig(arch))
		if err != nil {
			t.Fatal(err)
		}
		fc := fit.DefaultConfig()
		fc.Steps, fc.Progress, fc.Reports = 400, nil, 20
		h, err := m.Train(context.Background(), d, fc)
		if err != nil {
			t.Fatal(err)
		}
		_, loss := h.Series("", "loss")
		first, last := loss[0], loss[len(loss)-1]
		kl := h.Last("").Metrics["kl"]
		t.Logf("%s: -ELBO %.1f -> %.1f nats, KL %.2f", arch, first, last, kl)
		if last > first/3 || !(kl > 0) || math.IsInf(kl, 0) {
			t.Errorf("%s: did not fit 16 images: -ELBO %.1f -> %.1f, KL %g", arch, first, last, kl)
		}
	}
}

// Encode (the posterior mean) must agree with the mean head inside the full posterior,
// for any number of images (chunks of every size go through their own graph).
func TestEncodeIsThePosteriorMean(t *testing.T) {
	data := tinyShapes(t, 40, 5)
	cfg := DefaultConfig()
	cfg.Arch, cfg.H, cfg.W, cfg.C, cfg.Latent, cfg.Hidden = ae.MLP, data.H, data.W, data.C, 3, []int{16}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	full, err := m.Run("test/posterior", func(scope *model.Scope, x *graph.Node) *graph.Node {
		mu, logvar := m.Posterior(scope, x)
		return graph.Concatenate([]*graph.Node{mu, logvar}, -1)
	}, data.Pixels, data.N, data.H, data.W, data.C)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 7, 40} {
		mu, err := m.Encode(data.Pixels[:n*data.ImageSize()], n)
		if err != nil {
			t.Fatalf("Encode(%d images): %v", n, err)
		}
		for i := range n {
			for j := range 3 {
				if d := mu[i*3+j] - full[i*6+j]; d > 1e-5 || d < -1e-5 {
					t.Fatalf("image %d code %d: Encode %g, posterior mean %g", i, j, mu[i*3+j], full[i*6+j])
				}
			}
		}
	}
}

// Decode and Sample use the VAE's decoder (the sigmoid of the logits), not the embedded
// autoencoder's (the clipped logits): Go's embedding has no virtual methods.
func TestDecodeIsTheSigmoidOfTheLogits(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Arch, cfg.H, cfg.W, cfg.C, cfg.Latent, cfg.Hidden = ae.MLP, 8, 8, 1, 2, []int{16}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	z := []float32{0, 0, 3, -3, -2, 5}
	got, err := m.Decode(z, 3)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := m.Run("test/logits", m.DecoderLogits, z, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range logits {
		if want := 1 / (1 + math.Exp(-float64(l))); math.Abs(float64(got[i])-want) > 1e-5 {
			t.Fatalf("pixel %d: Decode %g, sigmoid(logit %g) = %g", i, got[i], l, want)
		}
	}
}

// TestInitReachesEveryLayer: Config.Init must start every layer of the conv VAE (the
// encoder's convs, mu and logvar, the decoder's projection and transposed convs) as it
// names: PyTorch's default draws the biases too, within +-1/sqrt(fanIn); He leaves them
// 0. An initialization the MLP does not take, or one that does not exist, is an error.
func TestInitReachesEveryLayer(t *testing.T) {
	d := tinyShapes(t, 2, 1)
	for _, init := range []blocks.Init{"", blocks.FanInUniform} {
		cfg := smallConfig(ae.Conv)
		cfg.Init = init
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.LogWeightsOf(d.Pixels, d.N, 2); err != nil { // builds every layer
			t.Fatal(err)
		}
		biases := map[string]bool{}
		for v := range m.Store.IterVariables() {
			if v.Name() != "bias" && v.Name() != "biases" {
				continue
			}
			vals := tensors.MustCopyFlatData[float32](v.MustValue())
			zero := true
			for _, x := range vals {
				if x != 0 {
					zero = false
				}
				if math.Abs(float64(x)) > 1 { // every fan-in here is >= 1, so the bound is <= 1
					t.Errorf("%s: bias %s value %g outside +-1", init, v.Scope(), x)
				}
			}
			biases[v.Path()] = !zero
		}
		if len(biases) != 7 { // 2 convs, mu, logvar, the projection, 2 transposed convs
			t.Fatalf("%s: %d bias variables %v, want 7", init, len(biases), biases)
		}
		for scope, drawn := range biases {
			if drawn != (init == blocks.FanInUniform) {
				t.Errorf("init %q: bias %s drawn %v", init, scope, drawn)
			}
		}
	}
	bad := smallConfig(ae.MLP)
	bad.Init = blocks.FanInUniform
	if _, err := New(bad); err == nil {
		t.Error("PyTorch's initialization with the MLP: no error")
	}
	bad = smallConfig(ae.Conv)
	bad.Init = "xavier"
	if _, err := New(bad); err == nil {
		t.Error("initialization \"xavier\": no error")
	}
}
