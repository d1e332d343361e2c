package main

import (
	"bufio"
	"bytes"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
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
	// Kill the second run right after its first checkpoint lands: one written by wall
	// time (every 30 ms), not by step count, as a course run's every 10 minutes are.
	cmd := exec.Command(bin, append(args(killed), "--ckpt-every", "0", "--ckpt-minutes", "0.0005")...)
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

	// SIGTERM (a shutdown, a scheduler) stops a run with no checkpoint of its own yet at
	// the next step, with a checkpoint there and a message that says so; resumed, it is
	// the straight run.
	termed := filepath.Join(dir, "terminated")
	cmd = exec.Command(bin, append(args(termed), "--ckpt-every", "0", "--ckpt-minutes", "0")...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var log strings.Builder
	for sc.Scan() { // the first progress report: training is under way
		log.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "step") {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	rest, _ := io.ReadAll(stderr)
	log.Write(rest)
	werr := cmd.Wait()
	at, _, err = fit.Load(termed, model.NewStore())
	if err != nil || at <= 0 || at >= steps {
		t.Fatalf("after SIGTERM: checkpoint at step %d (%v), want one between 0 and %d; exit %v\n%s", at, err, steps, werr, log.String())
	}
	if werr == nil || !strings.Contains(log.String(), "interrupted") || !strings.Contains(log.String(), "the same command resumes it") {
		t.Errorf("after SIGTERM: exit %v, want a failure that says how to resume:\n%s", werr, log.String())
	}
	if out, err := exec.Command(bin, args(termed)...).CombinedOutput(); err != nil {
		t.Fatalf("resumed after SIGTERM: %v\n%s", err, out)
	}
	c := model.NewStore()
	if _, _, err := fit.Load(termed, c); err != nil {
		t.Fatal(err)
	}
	for path, x := range testenv.Variables(t, c) {
		if !bytes.Equal(x, va[path]) {
			t.Errorf("%s differs between the straight run and the one stopped by SIGTERM at step %d and resumed", path, at)
		}
	}
}
