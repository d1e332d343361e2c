package pixelcnn

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/gomlx/core/tensors"
)

func tiny(arch Arch, levels int) Config {
	c := DefaultConfig()
	c.Arch, c.Levels, c.H, c.W, c.Filters, c.Layers, c.FirstKernel, c.BatchSize = arch, levels, 10, 10, 4, 2, 5, 8
	return c
}

// field is DependsOn as rows, for drawing.
func field(t *testing.T, m *Model, i, j int) [][]bool {
	t.Helper()
	if err := m.Store.SetRNGStateFromSeed(1); err != nil { // the same weights every run
		t.Fatal(err)
	}
	dep, err := m.DependsOn(i, j, 1)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]bool, m.Cfg.H)
	for y := range out {
		out[y] = dep[y*m.Cfg.W : (y+1)*m.Cfg.W]
	}
	return out
}

func draw(f [][]bool, i, j int) string {
	var b strings.Builder
	for y, row := range f {
		for x, in := range row {
			switch {
			case y == i && x == j:
				b.WriteByte("oO"[btoi(in)])
			default:
				b.WriteByte(".#"[btoi(in)])
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The causality test. The logits at every pixel i depend on no input pixel j >= i in
// raster order (so that the product of the pixels' distributions is a likelihood),
// and on some j < i. The gated PixelCNN reads every pixel before i within its reach
// (the rows above, r = 2 + 2*1 to each side, and r to the left); the plain one, with the
// same reach, misses a wedge up and to the right: the blind spot.
func TestCausality(t *testing.T) {
	for _, arch := range []Arch{Gated, Plain} {
		m, err := New(tiny(arch, 256))
		if err != nil {
			t.Fatal(err)
		}
		c := m.Cfg
		reach := c.FirstKernel/2 + c.Layers*(c.Kernel/2)
		blind := 0
		for _, p := range [][2]int{{0, 0}, {0, 5}, {5, 5}, {9, 9}, {6, 0}, {7, 9}} {
			i, j := p[0], p[1]
			f := field(t, m, i, j)
			seen := 0
			for y := range c.H {
				for x := range c.W {
					before := y < i || (y == i && x < j)
					inReach := before && y >= i-reach && x >= j-reach && (y < i && x <= j+reach || y == i)
					switch {
					case f[y][x] && !before:
						t.Fatalf("%s: the logits at (%d, %d) read the input at (%d, %d), not before it:\n%s", arch, i, j, y, x, draw(f, i, j))
					case f[y][x] && !inReach:
						t.Fatalf("%s: the logits at (%d, %d) read (%d, %d), beyond the reach %d:\n%s", arch, i, j, y, x, reach, draw(f, i, j))
					case f[y][x]:
						seen++
					case inReach && arch == Gated:
						t.Fatalf("gated: the logits at (%d, %d) miss (%d, %d), within reach:\n%s", i, j, y, x, draw(f, i, j))
					case inReach:
						blind++
					}
				}
			}
			if seen == 0 && (i > 0 || j > 0) {
				t.Errorf("%s: the logits at (%d, %d) read nothing", arch, i, j)
			}
			if i == 5 && j == 5 {
				t.Logf("%s at (5, 5), reach %d:\n%s", arch, reach, draw(f, i, j))
			}
		}
		if arch == Plain && blind == 0 {
			t.Errorf("plain: no blind spot")
		}
	}
}

// LogProb is the sum over pixels of log p(pixel): checked on the host from the logits,
// and, with the output layer zeroed (every distribution uniform), against the closed
// form -H*W*log(levels) per image.
func TestLogProb(t *testing.T) {
	for _, levels := range []int{2, 256} {
		m, err := New(tiny(Gated, levels))
		if err != nil {
			t.Fatal(err)
		}
		c := m.Cfg
		const n = 3
		rng := rand.New(rand.NewPCG(3, uint64(levels)))
		x := make([]float32, n*c.H*c.W)
		for k := range x {
			x[k] = float32(rng.IntN(levels)) / float32(levels-1)
		}
		ll, err := m.LogLikelihoods(x, n)
		if err != nil {
			t.Fatal(err)
		}
		logits, _, err := must(m.Mapper("logits", m.Logits)).Map(x, n, []int{c.H, c.W, 1}, n)
		if err != nil {
			t.Fatal(err)
		}
		k := c.outputs()
		for i := range n {
			want := 0.0
			for p := range c.H * c.W {
				l := logits[(i*c.H*c.W+p)*k : (i*c.H*c.W+p+1)*k]
				v := x[i*c.H*c.W+p]
				if levels == 2 {
					// log sigmoid(l) for a 1, log(1 - sigmoid(l)) for a 0.
					s := 1 / (1 + math.Exp(-float64(l[0])))
					want += math.Log(map[bool]float64{true: s, false: 1 - s}[v == 1])
					continue
				}
				top, sum := math.Inf(-1), 0.0
				for _, q := range l {
					top = max(top, float64(q))
				}
				for _, q := range l {
					sum += math.Exp(float64(q) - top)
				}
				want += float64(l[int(math.Round(float64(v)*255))]) - top - math.Log(sum)
			}
			if math.Abs(ll[i]-want) > 1e-3*math.Abs(want) {
				t.Errorf("levels %d, image %d: log p = %.4f, from the logits %.4f", levels, i, ll[i], want)
			}
		}
		for v := range m.Store.IterVariables() {
			if strings.Contains(v.Path(), "head_1") {
				v.MustSetValue(tensors.FromShape(v.Shape()))
			}
		}
		ll, err = m.LogLikelihoods(x, n)
		if err != nil {
			t.Fatal(err)
		}
		want := -float64(c.H*c.W) * math.Log(float64(levels))
		for i := range n {
			if math.Abs(ll[i]-want) > 1e-4*math.Abs(want) {
				t.Errorf("levels %d, uniform output: log p = %.5f, want %.5f", levels, ll[i], want)
			}
		}
	}
}

// drawLevel inverts the softmax's cumulative distribution: logits log(1, 2, 0+, 1)
// split [0, 1) into 1/4, 2/4, 0, 1/4.
func TestDrawLevel(t *testing.T) {
	logits := []float32{0, float32(math.Log(2)), -100, 0}
	p := make([]float64, 4)
	for _, c := range []struct {
		u    float64
		want int
	}{{0, 0}, {0.24, 0}, {0.26, 1}, {0.74, 1}, {0.76, 3}, {0.999, 3}} {
		if got := drawLevel(c.u, logits, p); got != c.want {
			t.Errorf("u = %g: level %d, want %d", c.u, got, c.want)
		}
	}
}

// A PixelCNN memorizes a batch of 8 binary shapes: the NLL falls from the uniform
// distribution's 16*16*log 2 = 177 nats to a fraction of it, and samples come out binary
// and the same for the same seed.
func TestOverfitAndSample(t *testing.T) {
	sc := shapes.DefaultConfig()
	sc.Size = 16
	data, err := shapes.Sample(sc, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.H, c.W, c.Filters, c.Layers, c.BatchSize, c.LearningRate = data.H, data.W, 8, 3, 8, 3e-3
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	fc := fit.DefaultConfig()
	fc.Steps, fc.Progress = 150, nil
	h, err := m.Train(context.Background(), data, fc)
	if err != nil {
		t.Fatal(err)
	}
	_, loss := h.Series("pixelcnn", "loss")
	first, last := loss[0], loss[len(loss)-1]
	ll, err := m.LogLikelihoods(data.Pixels, data.N)
	if err != nil {
		t.Fatal(err)
	}
	nll := 0.0
	for _, v := range ll {
		nll -= v / float64(data.N)
	}
	t.Logf("NLL %.1f -> %.1f nats (training batches), %.1f on the batch", first, last, nll)
	if nll > 0.35*float64(c.H*c.W)*math.Ln2 {
		t.Errorf("NLL after training %.1f nats, want under 0.35 of the uniform %.1f", nll, float64(c.H*c.W)*math.Ln2)
	}
	c.H, c.W = 8, 8 // sampling is 64 passes at 8x8
	small, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	a, err := small.Sample(3, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := small.Sample(3, 7)
	for i, v := range a {
		if v != 0 && v != 1 {
			t.Fatalf("sample value %g is not binary", v)
		}
		if v != b[i] {
			t.Fatalf("two samples with seed 7 differ at %d", i)
		}
	}
}

// Sampling through windows of Reach()+1 rows draws the same images as running the
// network on the whole image at every pass, for both networks and both outputs.
func TestWindowedSampling(t *testing.T) {
	for _, c := range []Config{tiny(Gated, 256), tiny(Plain, 2)} {
		m, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Store.SetRNGStateFromSeed(5); err != nil {
			t.Fatal(err)
		}
		if c.Reach()+1 >= c.H {
			t.Fatalf("reach %d: the window is the whole %d-row image", c.Reach(), c.H)
		}
		passes := 0
		windowed, err := m.SamplePasses(4, 9, func(done, total int) { passes++ })
		if err != nil {
			t.Fatal(err)
		}
		whole, err := m.sample(4, 9, nil, c.H)
		if err != nil {
			t.Fatal(err)
		}
		if passes != c.H*c.W {
			t.Errorf("%s: %d progress calls, want %d", c.Arch, passes, c.H*c.W)
		}
		levels := map[float32]bool{}
		for i := range whole {
			if windowed[i] != whole[i] {
				t.Fatalf("%s, %d levels: pixel %d is %g through windows, %g through the whole image", c.Arch, c.Levels, i, windowed[i], whole[i])
			}
			levels[whole[i]] = true
		}
		if len(levels) < 2 {
			t.Errorf("%s: samples take %d values", c.Arch, len(levels))
		}
	}
}

func TestValidate(t *testing.T) {
	for _, bad := range []func(*Config){
		func(c *Config) { c.C = 3 },
		func(c *Config) { c.Levels = 16 },
		func(c *Config) { c.Kernel = 4 },
		func(c *Config) { c.Arch = "lstm" },
		func(c *Config) { c.Perturb = 1 },
	} {
		c := DefaultConfig()
		bad(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%+v validated", c)
		}
	}
	if _, err := New(DefaultConfig()); err != nil {
		t.Fatal(err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
