package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/fit"
)

// train's closing line says what this run did: the steps it trained (a resumed run
// counts from its checkpoint), whether a checkpoint exists, and the peak memory; the
// files it writes are readable by others.
func TestTrainSummary(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "vae")
	train := func(steps string, ckpt string) string {
		t.Helper()
		var out bytes.Buffer
		args := []string{"train", "vae", "--dataset", "shapes", "--arch", "mlp", "--batch", "8", "--latent", "2", "--steps", steps, "--ckpt", ckpt}
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
	for _, f := range []string{fit.CheckpointFile, "loss.png", "reconstructions.png"} {
		if st, err := os.Stat(filepath.Join(ckpt, f)); err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v (%v), want 0644", f, st.Mode(), err)
		}
	}
	if out := train("0", filepath.Join(dir, "none")); !strings.Contains(out, "no checkpoint written") {
		t.Errorf("--steps 0: %q", out)
	}
}
