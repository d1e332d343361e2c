package detector

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/genlab-go/genlab/backend"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

func small() Config {
	c := DefaultConfig()
	c.H, c.W, c.Channels, c.BatchSize, c.LearningRate = 16, 16, []int{8, 16}, 8, 2e-3
	return c
}

// The cross-entropy and accuracy by hand: logits 0 and ln 3 on a face give -log 1/2
// and -log 3/4; ln 3 on an object gives -log 1/4, and counts as a miss.
func TestClassLossByHand(t *testing.T) {
	out := graph.MustExecOnceN(backend.MustNew("go"), func(g *graph.Graph) []*graph.Node {
		loss, acc, per, face := ClassLoss(graph.Const(g, []float64{0.5, math.Log(3), math.Log(3)}), graph.Const(g, []int32{1, 1, 0}))
		return []*graph.Node{loss, acc, per, face}
	})
	per := tensors.MustCopyFlatData[float64](out[2])
	want := []float64{-math.Log(1 / (1 + math.Exp(-0.5))), -math.Log(0.75), -math.Log(0.25)}
	for i := range want {
		if math.Abs(per[i]-want[i]) > 1e-12 {
			t.Errorf("cross-entropy %d: %g, want %g", i, per[i], want[i])
		}
	}
	if l := tensors.MustCopyFlatData[float64](out[0])[0]; math.Abs(l-(want[0]+want[1]+want[2])/3) > 1e-12 {
		t.Errorf("mean cross-entropy %g", l)
	}
	if a := tensors.MustCopyFlatData[float64](out[1])[0]; math.Abs(a-2.0/3) > 1e-12 {
		t.Errorf("accuracy %g, want 2/3", a)
	}
}

// Batches are half faces, half objects, the same for the same number, and follow the
// weights once they are set.
func TestBatches(t *testing.T) {
	d := testenv.Detection(6, 5, 16)
	b, err := NewBatches(d, small(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if b.Epoch() != 2 || len(b.Faces()) != 6 {
		t.Errorf("epoch %d batches over %d faces; want 2 over 6", b.Epoch(), len(b.Faces()))
	}
	for i := range 4 {
		in, err := b.Draw(i)
		if err != nil {
			t.Fatal(err)
		}
		if l := tensors.MustCopyFlatData[int32](in[1]); !slices.Equal(l, []int32{1, 1, 1, 1, 0, 0, 0, 0}) {
			t.Fatalf("batch %d labels %v, want four faces then four objects", i, l)
		}
	}
	again, _ := NewBatches(d, small(), 3)
	if !slices.Equal(b.FaceBatch(5), again.FaceBatch(5)) {
		t.Error("batch 5 differs between two samplers with the same seed")
	}
	// All the weight on face 4: every face drawn is face 4.
	if err := b.SetWeights([]float64{0, 0, 0, 0, 1, 0}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if f := b.FaceBatch(i); !slices.Equal(f, []int{4, 4, 4, 4}) {
			t.Fatalf("batch %d faces %v, want face 4 only", i, f)
		}
	}
	for _, w := range [][]float64{{1, 1}, {0, 0, 0, 0, 0, 0}, {1, 1, math.NaN(), 1, 1, 1}, {1, -1, 1, 1, 1, 1}} {
		if err := b.SetWeights(w); err == nil {
			t.Errorf("weights %v accepted", w)
		}
	}
	if _, err := NewBatches(d.Subset(6), small(), 3); err == nil {
		t.Error("a set of faces only was accepted")
	}
}

// On 6 faces and 5 objects the detector gets to every one right.
func TestOverfitTinySet(t *testing.T) {
	d := testenv.Detection(6, 5, 16)
	m, err := New(small())
	if err != nil {
		t.Fatal(err)
	}
	fc := fit.DefaultConfig()
	fc.Steps, fc.Progress = 60, nil
	if _, err := m.Train(context.Background(), d, fc); err != nil {
		t.Fatal(err)
	}
	acc, err := m.Accuracy(d)
	if err != nil {
		t.Fatal(err)
	}
	if acc != 1 {
		t.Errorf("accuracy %g on the training set, want 1", acc)
	}
}
