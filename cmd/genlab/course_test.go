package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/course"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
)

// TestCourseCommand runs the course verbs end to end on a tiny run of the recipe's MNIST
// DCGAN (2 steps, a Frechet distance of 100 samples in a 20-step classifier) in a
// training home: train, export (shipped in progress when nothing is; not replaced by a
// run within the noise), measure, list, status, check (measured and recorded), a wiped
// home that warm-starts from the shipped run, install, and damaged files' errors.
func TestCourseCommand(t *testing.T) {
	data := testenv.DataDir(t, "mnist")
	tmp := t.TempDir()
	home, ship, inst := filepath.Join(tmp, "home"), filepath.Join(tmp, "course"), filepath.Join(tmp, "installed")
	eval := "--fd-n 100 --n 500 --classifier " + filepath.Join(tmp, "cls") + " --classifier-steps 20"
	do := func(wantErr string, args ...string) string {
		t.Helper()
		var out strings.Builder
		args = append(args, "--data", data, "--home", home, "--course", ship)
		if !slices.Contains(args, "--to") {
			args = append(args, "--to", inst)
		}
		err := run(context.Background(), append([]string{"course"}, args...), &out)
		switch {
		case wantErr == "" && err != nil:
			t.Fatalf("genlab course %s: %v\n%s", strings.Join(args, " "), err, out.String())
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Fatalf("genlab course %s: error %v, want %q\n%s", strings.Join(args, " "), err, wantErr, out.String())
		}
		return out.String()
	}
	ckpt := filepath.Join(home, "dcgan-mnist")
	out := do("", "train", "dcgan-mnist", "--steps", "2")
	if !strings.Contains(out, "--steps 2") || !strings.Contains(out, "--seed 1") || !strings.Contains(out, "training home "+ckpt) || !strings.Contains(out, "from scratch") {
		t.Errorf("course train did not run the recipe's command in the training home:\n%s", out)
	}
	if out := do("", "train", "dcgan-mnist", "--steps", "2"); !strings.Contains(out, "nothing to train") {
		t.Errorf("course train at its budget:\n%s", out)
	}
	do("give --machine", "export", "dcgan-mnist")
	out = do("", "export", "dcgan-mnist", "--machine", "a test", "--note", "2 steps", "--seeds", "2", "--eval", eval)
	if !strings.Contains(out, "bar fd <= 4 x fd_floor") || !strings.Contains(out, "SHORT") || !strings.Contains(out, "nothing is shipped") ||
		!strings.Contains(out, "exported 2 steps") || !strings.Contains(out, "in progress: 2 steps, fd ") || !strings.Contains(out, "noise over 2 seeds") {
		t.Errorf("course export of a first run, short of its bar:\n%s", out)
	}
	m, _, err := course.Open(ship, "dcgan-mnist")
	if err != nil {
		t.Fatal(err)
	}
	if m.Metrics["fd"] <= 0 || m.Metrics["fd_floor"] <= 0 || m.Machine != "a test" || m.DType != "F16" || len(m.Training) == 0 || m.Seeds != 2 || m.Noise["fd"] <= 0 {
		t.Errorf("manifest: %+v", m)
	}
	// The same weights again: within the noise, not replaced.
	out = do("", "export", "dcgan-mnist", "--machine", "a test", "--seeds", "2", "--eval", eval)
	if !strings.Contains(out, "not better by more than the noise") || !strings.Contains(out, "not exported") {
		t.Errorf("course export within the noise:\n%s", out)
	}
	if out := do("", "measure", "dcgan-mnist", "--seeds", "1", "--eval", "--fd-n 50 --n 500 --classifier "+filepath.Join(tmp, "cls")); !strings.Contains(out, "metric fd=") || !strings.Contains(out, "a preview (eval flags [--fd-n 50") {
		t.Errorf("course measure:\n%s", out)
	}
	l, err := course.ReadLedger(ckpt)
	if err != nil || len(l.Curve) != 2 || l.Last().Step != 2 {
		t.Errorf("the ledger's curve after two measurements of step 2 with two flag sets: %+v, %v", l, err)
	}
	if out := do("", "list"); !strings.Contains(out, "shipped (in progress: 2 steps") || !strings.Contains(out, "cgan-mnist") {
		t.Errorf("course list:\n%s", out)
	}
	out = do("", "status")
	if !strings.Contains(out, "training home: "+home) || !regexp.MustCompile(`dcgan-mnist +home 2 +shipped 2 +fd [0-9.]+ \(a preview with --fd-n 50 [^;]+; at 2\) +[0-9.]+ core-h spent +[0-9.]+ core-h left to 20,000 steps`).MatchString(out) {
		t.Errorf("course status:\n%s", out)
	}
	out = do("", "check", "dcgan-mnist", "--recorded")
	if !strings.Contains(out, "0 of 1 runs shipped and at their bars; in progress: [dcgan-mnist]") {
		t.Errorf("course check --recorded:\n%s", out)
	}
	out = do("", "check", "dcgan-mnist", "--eval", eval)
	if !strings.Contains(out, "metric fd=") || !strings.Contains(out, "in progress: [dcgan-mnist]") {
		t.Errorf("course check did not measure:\n%s", out)
	}
	out = do("", "check", "cgan-mnist")
	if !strings.Contains(out, "not shipped: [cgan-mnist]") {
		t.Errorf("course check of a run not shipped:\n%s", out)
	}
	// A wiped training home warm-starts from the shipped run.
	if err := os.RemoveAll(home); err != nil {
		t.Fatal(err)
	}
	out = do("", "train", "dcgan-mnist", "--steps", "4")
	if !strings.Contains(out, "a warm start from the shipped run (2 steps") {
		t.Errorf("course train with a wiped home:\n%s", out)
	}
	if at, err := fit.CheckpointStep(ckpt); err != nil || at != 4 {
		t.Errorf("after a warm start and 2 more steps: step %d, %v", at, err)
	}
	do("", "install", "dcgan-mnist")
	if _, err := os.Stat(filepath.Join(inst, "dcgan-mnist", "checkpoint.genlab")); err != nil {
		t.Errorf("course install: %v", err)
	}
	// Install never writes over training progress.
	do("holds a training checkpoint", "install", "dcgan-mnist", "--to", home)
	// A damaged shipped run is named, and never trained over.
	w := filepath.Join(ship, "dcgan-mnist", course.WeightsFile)
	b, _ := os.ReadFile(w)
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(w, b, 0o644); err != nil {
		t.Fatal(err)
	}
	do(w+" is damaged", "check", "dcgan-mnist", "--eval", eval)
	os.RemoveAll(home)
	do(w+" is damaged", "train", "dcgan-mnist", "--steps", "4")
	if fit.HasCheckpoint(ckpt) {
		t.Error("trained from a damaged shipped run")
	}
	mf := filepath.Join(ship, "dcgan-mnist", course.ManifestFile)
	os.WriteFile(mf, []byte("{"), 0o644)
	do(mf+" is damaged", "train", "dcgan-mnist", "--steps", "4")
	do("name the runs", "train")
	do("unknown verb", "fly")
}
