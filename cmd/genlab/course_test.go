package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/course"
	"github.com/genlab-go/genlab/internal/testenv"
)

// TestCourseCommand runs the course verbs end to end on a tiny run of the recipe's MNIST
// DCGAN (2 steps, a Frechet distance of 100 samples in a 20-step classifier): train,
// export (refused short of the bar, then forced), list, check (measured and recorded),
// install, and a damaged file's error.
func TestCourseCommand(t *testing.T) {
	data := testenv.DataDir(t, "mnist")
	tmp := t.TempDir()
	runs, ship := filepath.Join(tmp, "runs"), filepath.Join(tmp, "course")
	eval := "--fd-n 100 --n 500 --classifier " + filepath.Join(tmp, "cls") + " --classifier-steps 20"
	do := func(wantErr string, args ...string) string {
		t.Helper()
		var out strings.Builder
		args = append(args, "--data", data, "--runs", runs, "--course", ship)
		err := run(context.Background(), append([]string{"course"}, args...), &out)
		switch {
		case wantErr == "" && err != nil:
			t.Fatalf("genlab course %s: %v\n%s", strings.Join(args, " "), err, out.String())
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Fatalf("genlab course %s: error %v, want %q\n%s", strings.Join(args, " "), err, wantErr, out.String())
		}
		return out.String()
	}
	out := do("", "train", "dcgan-mnist", "--steps", "2")
	if !strings.Contains(out, "--steps 2") || !strings.Contains(out, "--seed 1") {
		t.Errorf("course train did not run the recipe's command:\n%s", out)
	}
	do("falls short of its bars", "export", "dcgan-mnist", "--machine", "a test", "--eval", eval)
	do("give --machine", "export", "dcgan-mnist")
	out = do("", "export", "dcgan-mnist", "--machine", "a test", "--note", "2 steps", "--force", "--eval", eval)
	if !strings.Contains(out, "bar fd <= 4 x fd_floor") || !strings.Contains(out, "SHORT") || !strings.Contains(out, "exported 2 steps") {
		t.Errorf("course export:\n%s", out)
	}
	m, _, err := course.Open(ship, "dcgan-mnist")
	if err != nil {
		t.Fatal(err)
	}
	if m.Metrics["fd"] <= 0 || m.Metrics["fd_floor"] <= 0 || m.Machine != "a test" || m.DType != "F16" || len(m.Training) == 0 {
		t.Errorf("manifest: %+v", m)
	}
	if out := do("", "list"); !strings.Contains(out, "shipped: 2 steps") || !strings.Contains(out, "cgan-mnist") {
		t.Errorf("course list:\n%s", out)
	}
	out = do("fall short", "check", "dcgan-mnist", "--recorded")
	if !strings.Contains(out, "0 of 1 runs shipped and at their bars; short: [dcgan-mnist]") {
		t.Errorf("course check --recorded:\n%s", out)
	}
	out = do("fall short", "check", "dcgan-mnist", "--eval", eval)
	if !strings.Contains(out, "metric fd=") {
		t.Errorf("course check did not measure:\n%s", out)
	}
	out = do("", "check", "cgan-mnist")
	if !strings.Contains(out, "not shipped: [cgan-mnist]") {
		t.Errorf("course check of a run not shipped:\n%s", out)
	}
	do("", "install", "dcgan-mnist")
	if _, err := os.Stat(filepath.Join(runs, "dcgan-mnist", "checkpoint.genlab")); err != nil {
		t.Errorf("course install: %v", err)
	}
	w := filepath.Join(ship, "dcgan-mnist", course.WeightsFile)
	b, _ := os.ReadFile(w)
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(w, b, 0o644); err != nil {
		t.Fatal(err)
	}
	do(w+" is damaged", "check", "dcgan-mnist", "--eval", eval)
	do("name the runs", "train")
	do("unknown verb", "fly")
}
