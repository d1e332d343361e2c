package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
	"github.com/gomlx/gomlx/ml/model"
)

// A training run killed with SIGKILL (no chance to save) and started again ends where
// an uninterrupted run ends: every variable equal to the bit, and the same metric lines.
func TestKilledRunResumesExactly(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "genlab")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const steps = 600
	args := func(ckpt string) []string {
		return []string{"train", "vae", "--dataset", "shapes", "--arch", "mlp", "--set", "Hidden=[64]", "--batch", "16", "--steps", "600", "--ckpt-every", "50", "--ckpt", ckpt}
	}
	straight, killed := filepath.Join(dir, "straight"), filepath.Join(dir, "killed")
	if out, err := exec.Command(bin, args(straight)...).CombinedOutput(); err != nil {
		t.Fatalf("straight run: %v\n%s", err, out)
	}
	// Kill the second run right after its first checkpoint lands.
	cmd := exec.Command(bin, args(killed)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for !fit.HasCheckpoint(killed) {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill() // SIGKILL
	cmd.Wait()
	at, _, err := fit.Load(killed, model.NewStore())
	if err != nil {
		t.Fatalf("the checkpoint a killed run left: %v", err)
	}
	if at >= steps {
		t.Fatalf("the run finished (step %d) before it was killed: make it longer", at)
	}
	if out, err := exec.Command(bin, args(killed)...).CombinedOutput(); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	}
	a, b := model.NewStore(), model.NewStore()
	if _, _, err := fit.Load(straight, a); err != nil {
		t.Fatal(err)
	}
	if _, _, err := fit.Load(killed, b); err != nil {
		t.Fatal(err)
	}
	va, vb := testenv.Variables(t, a), testenv.Variables(t, b)
	for path, x := range va {
		if !bytes.Equal(x, vb[path]) {
			t.Errorf("%s differs between the straight run and the one killed at step %d and resumed", path, at)
		}
	}
	metrics := func(ckpt string) string {
		out, err := exec.Command(bin, "eval", "--ckpt", ckpt, "--dataset", "shapes", "--n", "200", "--k", "5", "--probe-n", "0", "--fd-n", "0").Output()
		if err != nil {
			t.Fatalf("eval %s: %v", ckpt, err)
		}
		// The metric lines, less timing and memory (the run manifests differ: one run
		// was made by two processes, which its manifest says).
		return regexp.MustCompile(`(?m)^(metric (eval_seconds|peak_mib)=|#).*\n`).ReplaceAllString(string(out), "")
	}
	if m1, m2 := metrics(straight), metrics(killed); m1 != m2 {
		t.Errorf("metrics differ:\nstraight:\n%s\nkilled at %d and resumed:\n%s", m1, at, m2)
	}
}
