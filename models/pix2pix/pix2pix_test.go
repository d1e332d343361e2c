package pix2pix

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/gomlx/gomlx/core/tensors"
)

// pairs makes n 16x16 pairs whose second side is the first inverted (1 - x): a
// translation a U-Net can learn through its skips in a few hundred steps.
func pairs(n int) *datasets.Images {
	rng := rand.New(rand.NewPCG(1, 2))
	d := &datasets.Images{Name: "inverted", N: n, H: 16, W: 16, C: 6}
	for range n * 16 * 16 {
		var a [3]float32
		for k := range a {
			a[k] = rng.Float32()
		}
		d.Pixels = append(d.Pixels, a[0], a[1], a[2], 1-a[0], 1-a[1], 1-a[2])
	}
	return d
}

func tiny(adversarial bool) Config {
	c := ConfigFor(16)
	c.GenChannels, c.DiscChannels = []int{16, 16, 16, 16}, []int{8} // 16 >= the 12 values of a 2x2 RGB block
	c.Adversarial, c.Jitter, c.Dropout, c.BatchSize, c.LearningRate = adversarial, false, 0, 4, 2e-3
	return c
}

// Pairs splits by direction, and Translate maps inputs to [0, 1] images of their shape.
func TestPairsAndTranslate(t *testing.T) {
	d := pairs(3)
	for _, dir := range []Direction{AtoB, BtoA} {
		c := tiny(true)
		c.Direction = dir
		m, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		in, target, err := m.Pairs(d)
		if err != nil {
			t.Fatal(err)
		}
		first := in.Pixels[0]
		if want := d.Pixels[0]; (dir == AtoB) != (first == want) || in.C != 3 || target.Pixels[0] != 1-first {
			t.Errorf("%s: input starts %g, target %g (pair %g | %g)", dir, first, target.Pixels[0], d.Pixels[0], d.Pixels[3])
		}
		out, err := m.Translate(in.Pixels, in.N)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 3*16*16*3 {
			t.Fatalf("%d output values", len(out))
		}
		for _, v := range out {
			if v < 0 || v > 1 || math.IsNaN(float64(v)) {
				t.Fatalf("output %g outside [0, 1]", v)
			}
		}
	}
	if _, err := models.New(ModelName, &datasets.Images{Name: "grey", N: 1, H: 16, W: 16, C: 1, Pixels: make([]float32, 256)}, models.Options{}); err == nil {
		t.Error("pix2pix on unpaired 1-channel images should fail")
	}
}

// Overfitting a tiny batch: the L1-only U-Net and pix2pix both learn the inversion,
// their L1 falling far below the untrained model's.
func TestOverfitTinyBatch(t *testing.T) {
	d := pairs(4)
	for _, adversarial := range []bool{false, true} {
		m, err := New(tiny(adversarial))
		if err != nil {
			t.Fatal(err)
		}
		l1 := func() float64 {
			in, target, _ := m.Pairs(d)
			out, err := m.Translate(in.Pixels, in.N)
			if err != nil {
				t.Fatal(err)
			}
			var s float64
			for i, v := range out {
				s += math.Abs(float64(v - target.Pixels[i]))
			}
			return s / float64(len(out))
		}
		before := l1()
		fc := fit.DefaultConfig()
		fc.Steps, fc.Progress = 300, nil
		if _, err := m.Train(context.Background(), d, fc); err != nil {
			t.Fatal(err)
		}
		after := l1()
		t.Logf("adversarial %v: L1 %.4f before, %.4f after 300 steps", adversarial, before, after)
		if after > before/5 {
			t.Errorf("adversarial %v: L1 %.4f after training, %.4f before: did not learn the inversion", adversarial, after, before)
		}
	}
}

// Each player's update moves only its own variables.
func TestUpdatesMoveOnlyTheirPlayer(t *testing.T) {
	m, err := New(tiny(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	s, err := fit.NewStepper(m.Backend, m.Store, m.Updates()...)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	batch := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(pairs(4).Pixels, 4, 16, 16, 6)}
	if _, err := s.Update(0, batch); err != nil { // builds both players' variables
		t.Fatal(err)
	}
	if _, err := s.Update(1, batch); err != nil {
		t.Fatal(err)
	}
	snapshot := func(prefix string) map[string][]float32 {
		out := map[string][]float32{}
		for v := range m.Store.IterVariables() {
			if len(v.Path()) > len(prefix) && v.Path()[:len(prefix)] == prefix {
				out[v.Path()] = tensors.MustCopyFlatData[float32](v.MustValue())
			}
		}
		return out
	}
	for i, moved := range []string{DiscriminatorScope, GeneratorScope} {
		still := GeneratorScope
		if moved == GeneratorScope {
			still = DiscriminatorScope
		}
		before, beforeMoved := snapshot(still+"/"), snapshot(moved+"/")
		if _, err := s.Update(i, batch); err != nil {
			t.Fatal(err)
		}
		after, afterMoved := snapshot(still+"/"), snapshot(moved+"/")
		changed := 0
		for p, v := range beforeMoved {
			for j := range v {
				if v[j] != afterMoved[p][j] {
					changed++
					break
				}
			}
		}
		if changed == 0 {
			t.Errorf("update %d moved none of %s's variables", i, moved)
		}
		for p, v := range before {
			for j := range v {
				if v[j] != after[p][j] {
					t.Fatalf("update %d (%s) changed %s", i, moved, p)
				}
			}
		}
	}
}
