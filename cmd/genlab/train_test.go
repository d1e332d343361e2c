package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
)

// train's closing line says what this run did: the steps it trained (a resumed run
// counts from its checkpoint), whether a checkpoint exists, and the peak memory; the
// files it writes are readable by others.
func TestTrainSummary(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "vae")
	train := func(steps string, ckpt string, more ...string) string {
		t.Helper()
		var out bytes.Buffer
		args := append([]string{"train", "vae", "--dataset", "shapes", "--arch", "mlp", "--batch", "8", "--latent", "2", "--steps", steps, "--ckpt", ckpt}, more...)
		if err := run(context.Background(), args, &out); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	if out := train("4", ckpt); !strings.Contains(out, ": 4 steps in") || strings.Contains(out, "resumed") || !strings.Contains(out, "peak memory") {
		t.Errorf("a fresh run: %q", out)
	}
	if out := train("10", ckpt); !strings.Contains(out, ": 6 steps in") || !strings.Contains(out, "resumed at step 4, now at 10") {
		t.Errorf("a resumed run: %q", out)
	}
	if out := train("10", ckpt); strings.Contains(out, "another configuration") {
		t.Errorf("a run resumed as saved warns of another configuration: %q", out)
	}
	if out := train("11", ckpt, "--lr", "0.002"); !strings.Contains(out, "another configuration") || !strings.Contains(out, "LearningRate: 0.001 -> 0.002") {
		t.Errorf("a run resumed with another learning rate: %q", out)
	}
	for _, f := range []string{fit.CheckpointFile, "loss.png", "reconstructions.png"} {
		if st, err := os.Stat(filepath.Join(ckpt, f)); err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v (%v), want 0644", f, st.Mode(), err)
		}
	}
	if out := train("0", filepath.Join(dir, "none")); !strings.Contains(out, "no checkpoint written") {
		t.Errorf("--steps 0: %q", out)
	}
	// A time budget spent before the first step ends: one step, a checkpoint, and a
	// line that says why the run stopped short.
	timed := filepath.Join(dir, "timed")
	if out := train("10", timed, "--minutes", "1e-9"); !strings.Contains(out, ": 1 step in") ||
		!strings.Contains(out, "time budget of 1e-09 min ended the run at step 1 of 10") {
		t.Errorf("--minutes 1e-9: %q", out)
	}
	if step, err := fit.CheckpointStep(timed); err != nil || step != 1 {
		t.Errorf("--minutes 1e-9: checkpoint at step %d (%v), want 1", step, err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"train", "vae", "--minutes", "-1"}, &out); err == nil || !strings.Contains(err.Error(), "--minutes -1 is negative") {
		t.Errorf("--minutes -1: %v", err)
	}
	if err := run(context.Background(), []string{"train", "vae", "--ckpt-minutes", "-1"}, &out); err == nil || !strings.Contains(err.Error(), "--ckpt-minutes -1 is negative") {
		t.Errorf("--ckpt-minutes -1: %v", err)
	}
}

// eval reads another program's samples and writes the images its likelihood scores, as
// .npy files: the test images scored as samples are at distance 0 (below the floor),
// and the scored images are the test images, binary.
func TestEvalSamplesAndScoredImages(t *testing.T) {
	dir := t.TempDir()
	eval := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"eval", "--dataset", "shapes"}, args...), &out)
		return out.String(), err
	}
	test, err := datasets.Load(context.Background(), "", "shapes", datasets.Test)
	if err != nil {
		t.Fatal(err)
	}
	same := filepath.Join(dir, "test.npy")
	if err := datasets.WriteNPY(same, test.Subset(64)); err != nil {
		t.Fatal(err)
	}
	cls := []string{"--classifier", filepath.Join(dir, "cls"), "--classifier-steps", "20", "--fd-n", "64"}
	out, err := eval(append([]string{"--samples", same}, cls...)...)
	if err != nil {
		t.Fatalf("eval --samples: %v\n%s", err, out)
	}
	fd, floor := metricValue(t, out, "fd"), metricValue(t, out, "fd_floor")
	if math.Abs(fd) > 1e-6*floor || !(floor > 0) || metricValue(t, out, "fd_n") != 64 {
		t.Errorf("the test images as samples: fd %g, floor %g (want 0 and > 0), in %q", fd, floor, out)
	}
	wrong := filepath.Join(dir, "wrong.npy")
	if err := datasets.WriteNPY(wrong, &datasets.Images{N: 2, H: 28, W: 28, C: 1, Pixels: make([]float32, 2*28*28)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eval(append([]string{"--samples", wrong}, cls...)...); err == nil || !strings.Contains(err.Error(), "holds 28x28x1 images; shapes has 32x32x1") {
		t.Errorf("samples of another size: %v", err)
	}

	ckpt := filepath.Join(dir, "vae")
	var tout bytes.Buffer
	if err := run(context.Background(), []string{"train", "vae", "--dataset", "shapes", "--arch", "mlp", "--batch", "8", "--latent", "2", "--steps", "2", "--ckpt", ckpt}, &tout); err != nil {
		t.Fatal(err, tout.String())
	}
	scored := filepath.Join(dir, "scored.npy")
	if out, err := eval("--ckpt", ckpt, "--n", "16", "--k", "2", "--fd-n", "0", "--probe-n", "0", "--scored-out", scored); err != nil {
		t.Fatalf("eval --scored-out: %v\n%s", err, out)
	}
	got, err := datasets.ReadNPY(scored, "scored")
	if err != nil {
		t.Fatal(err)
	}
	if got.N != 16 || !slices.Equal(got.Pixels, test.Subset(16).Pixels) {
		t.Errorf("scored images: %d of %dx%dx%d, want the first 16 test shapes", got.N, got.H, got.W, got.C)
	}
	aeDir := filepath.Join(dir, "ae")
	if err := run(context.Background(), []string{"train", "ae", "--dataset", "shapes", "--arch", "mlp", "--batch", "8", "--latent", "2", "--steps", "1", "--ckpt", aeDir}, &tout); err != nil {
		t.Fatal(err)
	}
	if _, err := eval("--ckpt", aeDir, "--scored-out", scored); err == nil || !strings.Contains(err.Error(), "no importance-weighted likelihood") {
		t.Errorf("--scored-out of an autoencoder: %v", err)
	}
}

// metricValue is the value of `metric NAME=VALUE` in out.
func metricValue(t *testing.T, out, name string) float64 {
	t.Helper()
	for line := range strings.Lines(out) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "metric "+name+"="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s=%q: %v", name, v, err)
			}
			return f
		}
	}
	t.Fatalf("no metric %s in %q", name, out)
	return 0
}
