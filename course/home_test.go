package course_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/course"
	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
	"github.com/genlab-go/genlab/models"
	"github.com/gomlx/gomlx/ml/model"
)

func TestHome(t *testing.T) {
	t.Setenv(course.HomeEnv, "/some/home")
	if h, err := course.Home(); err != nil || h != "/some/home" {
		t.Errorf("$%s set: Home() = %q, %v", course.HomeEnv, h, err)
	}
	t.Setenv(course.HomeEnv, "")
	t.Setenv("XDG_CACHE_HOME", "/cache")
	if h, err := course.Home(); err != nil || h != filepath.Join("/cache", "genlab", "course") {
		t.Errorf("unset: Home() = %q, %v; want the user cache directory's genlab/course", h, err)
	}
}

// trainOn trains a GAN on the shapes in dir (from scratch, from its checkpoint, or from
// installed weights) to steps.
func trainOn(t *testing.T, dir string, steps int) models.Model {
	t.Helper()
	data, err := shapes.Sample(shapes.DefaultConfig(), 64, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.New("gan", data, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fit.DefaultConfig()
	cfg.Steps, cfg.CheckpointDir, cfg.Progress = steps, dir, nil
	if _, err := m.Train(context.Background(), data, cfg); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestWarmStart: a training home with no checkpoint starts from the shipped weights at
// their step, records it in the ledger and the next export's manifest, trains on with
// a fresh optimizer and a random state seeded from the run (two warm starts train the
// same bits), and is never written over a checkpoint or from a damaged run.
func TestWarmStart(t *testing.T) {
	tmp := t.TempDir()
	ckpt, dir := filepath.Join(tmp, "train"), filepath.Join(tmp, "course")
	trained(t, ckpt)
	run := course.Run{Name: "tiny-gan", Model: "gan", Dataset: "shapes", Steps: 3, Seed: 1, Half: true}
	shipped, err := course.Export(ckpt, dir, run, nil, "a test", "")
	if err != nil {
		t.Fatal(err)
	}
	var stores [2]*model.Store
	for i := range stores {
		home := filepath.Join(tmp, "home", string(rune('a'+i)))
		m, err := course.WarmStartFrom(dir, "tiny-gan", home)
		if err != nil {
			t.Fatal(err)
		}
		if at, err := fit.CheckpointStep(home); err != nil || at != 3 || m.Steps != 3 {
			t.Fatalf("warm start at step %d (%v), want the shipped 3", at, err)
		}
		l, err := course.ReadLedger(home)
		if err != nil || len(l.WarmStarts) != 1 || l.WarmStarts[0].Step != 3 || l.WarmStarts[0].SHA256 != shipped.SHA256[course.WeightsFile] {
			t.Fatalf("ledger after a warm start: %+v, %v", l, err)
		}
		if _, err := course.WarmStartFrom(dir, "tiny-gan", home); err == nil || !strings.Contains(err.Error(), "already holds a checkpoint") {
			t.Errorf("a second warm start over the checkpoint: %v", err)
		}
		trainOn(t, home, 6)
		stores[i] = model.NewStore()
		if at, _, err := fit.Load(home, stores[i]); err != nil || at != 6 {
			t.Fatalf("after training on: step %d, %v", at, err)
		}
		again, err := course.Export(home, filepath.Join(tmp, "again"), run, nil, "a test", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(again.WarmStarts) != 1 || again.Steps != 6 {
			t.Errorf("export after a warm start: steps %d, warm starts %+v", again.Steps, again.WarmStarts)
		}
	}
	a, b := testenv.Variables(t, stores[0]), testenv.Variables(t, stores[1])
	if len(a) == 0 {
		t.Fatal("no variables")
	}
	for path, x := range a {
		if !bytes.Equal(x, b[path]) {
			t.Errorf("%s differs between two warm starts from the same weights", path)
		}
	}
	// A damaged shipped run: an error naming the file, and no checkpoint.
	w := filepath.Join(dir, "tiny-gan", course.WeightsFile)
	raw, _ := os.ReadFile(w)
	raw[len(raw)-1] ^= 0xff
	os.WriteFile(w, raw, 0o644)
	home := filepath.Join(tmp, "home", "damaged")
	if _, err := course.WarmStartFrom(dir, "tiny-gan", home); err == nil || !strings.Contains(err.Error(), w) {
		t.Errorf("warm start from a damaged run: %v, want an error naming %s", err, w)
	}
	if fit.HasCheckpoint(home) {
		t.Error("a damaged run was installed to train on")
	}
}

// TestReplaces: the ratchet's rule in closed form.
func TestReplaces(t *testing.T) {
	r := course.Run{Name: "x", Bars: []course.Bar{{Metric: "fd", Op: "<=", Value: 2, Of: "fd_floor"}}}
	eval := []string{"--fd-n", "1000"}
	prev := &course.Manifest{Steps: 1000, Eval: eval, Metrics: map[string]float64{"fd": 50}, Noise: map[string]float64{"fd": 2}}
	for _, c := range []struct {
		fd, noise float64
		eval      []string
		want      bool
		why       string
	}{
		{47.9, 1, eval, true, "better by more than the noise"},
		{48.1, 1, eval, false, "not better"}, // within the shipped run's noise
		{46.5, 4, eval, false, "not better"}, // within the new measurement's noise
		{45.9, 4, eval, true, "better by more"},
		{60, 1, eval, false, "not better"},
		{10, 1, []string{"--fd-n", "500"}, false, "not comparable"},
	} {
		m := course.Measurement{Metrics: map[string]float64{"fd": c.fd}, Noise: map[string]float64{"fd": c.noise}, Eval: c.eval}
		got, why := course.Replaces(r, prev, m, 2000)
		if got != c.want || !strings.Contains(why, c.why) {
			t.Errorf("fd %g noise %g %v: %v (%s), want %v (%q)", c.fd, c.noise, c.eval, got, why, c.want, c.why)
		}
	}
	if ok, _ := course.Replaces(r, nil, course.Measurement{}, 1); !ok {
		t.Error("nothing shipped: not replaced")
	}
	up := course.Run{Name: "y", Bars: []course.Bar{{Metric: "age_shift", Op: ">=", Value: 0.5, Of: "age_gap"}}}
	prevUp := &course.Manifest{Metrics: map[string]float64{"age_shift": 10}}
	if ok, _ := course.Replaces(up, prevUp, course.Measurement{Metrics: map[string]float64{"age_shift": 11}}, 1); !ok {
		t.Error(">= bar: a higher metric does not replace")
	}
	none := course.Run{Name: "z"}
	if ok, _ := course.Replaces(none, &course.Manifest{Steps: 100}, course.Measurement{}, 100); ok {
		t.Error("no bars, no more steps: replaced")
	}
	if ok, _ := course.Replaces(none, &course.Manifest{Steps: 100}, course.Measurement{}, 200); !ok {
		t.Error("no bars, more steps: not replaced")
	}
}

// TestStanding: a shipped run at its bars, in progress towards them, and the label
// notebooks print.
func TestStanding(t *testing.T) {
	m := &course.Manifest{Name: "dcgan-mnist", Steps: 20000, Metrics: map[string]float64{"fd": 100.7, "fd_floor": 6.56}}
	ok, words := m.Standing()
	if ok || words != "in progress: 20,000 steps, fd 100.7 against its bar 26.24" {
		t.Errorf("Standing() = %v, %q", ok, words)
	}
	if s := m.Summary(); !strings.Contains(s, "(in progress: 20,000 steps") {
		t.Errorf("Summary() = %q, want the in-progress label", s)
	}
	m.Metrics["fd"] = 20
	if ok, words := m.Standing(); !ok || words != "at its bars" {
		t.Errorf("at the bar: Standing() = %v, %q", ok, words)
	}
	if s := m.Summary(); strings.Contains(s, "in progress") {
		t.Errorf("Summary() at the bar = %q", s)
	}
}

// TestCost: a checkpoint records its processes' cores and time, which give the
// core-hours spent and the step rate per core.
func TestCost(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "train")
	trained(t, dir)
	trainOn(t, dir, 6) // a second process
	c, err := course.CostOf(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Steps != 6 || c.Untimed != 0 || c.CoreHours <= 0 || c.PerCoreS <= 0 {
		t.Errorf("cost %+v, want 6 timed steps", c)
	}
	m, _ := fit.ReadManifest(dir)
	if len(m.Runs) != 2 || m.Runs[1].Cores != runtime.GOMAXPROCS(0) || m.Runs[1].From != 3 {
		t.Errorf("manifest runs %+v", m.Runs)
	}
}

// TestLedger: measurements of the same step and flags replace each other; a damaged
// ledger is an error naming it.
func TestLedger(t *testing.T) {
	dir := t.TempDir()
	l, err := course.ReadLedger(dir)
	if err != nil || l.Last() != nil {
		t.Fatalf("empty ledger: %+v, %v", l, err)
	}
	l.Add(course.Measurement{Step: 10, Metrics: map[string]float64{"fd": 3}, Eval: []string{"a"}})
	l.Add(course.Measurement{Step: 10, Metrics: map[string]float64{"fd": 2}, Eval: []string{"a"}})
	l.Add(course.Measurement{Step: 10, Metrics: map[string]float64{"fd": 1}, Eval: []string{"b"}})
	if err := l.Write(dir); err != nil {
		t.Fatal(err)
	}
	back, err := course.ReadLedger(dir)
	if err != nil || len(back.Curve) != 2 || back.Curve[0].Metrics["fd"] != 2 || back.Last().Metrics["fd"] != 1 {
		t.Errorf("ledger read back: %+v, %v", back, err)
	}
	os.WriteFile(filepath.Join(dir, course.LedgerFile), []byte("{"), 0o644)
	if _, err := course.ReadLedger(dir); err == nil || !strings.Contains(err.Error(), course.LedgerFile+" is damaged") {
		t.Errorf("damaged ledger: %v", err)
	}
}
