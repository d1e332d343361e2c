package course_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/course"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	_ "github.com/genlab-go/genlab/models/gan"
	_ "github.com/genlab-go/genlab/models/vae"
)

func TestBarCheck(t *testing.T) {
	m := map[string]float64{"fd": 30, "fd_floor": 10, "nll_iw": 85.5, "age_input": 25, "age_target": 65, "age_shift": 21}
	course.Derived(m)
	if m["age_gap"] != 40 {
		t.Fatalf("age_gap = %g, want 40", m["age_gap"])
	}
	for _, c := range []struct {
		bar   course.Bar
		limit float64
		ok    bool
	}{
		{course.Bar{Metric: "fd", Op: "<=", Value: 4, Of: "fd_floor"}, 40, true},
		{course.Bar{Metric: "fd", Op: "<=", Value: 2, Of: "fd_floor"}, 20, false},
		{course.Bar{Metric: "fd", Op: "<=", Value: 3, Of: "fd_floor"}, 30, true}, // at the bar clears it
		{course.Bar{Metric: "nll_iw", Op: "<=", Value: 86}, 86, true},
		{course.Bar{Metric: "nll_iw", Op: "<=", Value: 85}, 85, false},
		{course.Bar{Metric: "age_shift", Op: ">=", Value: 0.5, Of: "age_gap"}, 20, true},
		{course.Bar{Metric: "age_shift", Op: ">=", Value: 0.6, Of: "age_gap"}, 24, false},
	} {
		_, limit, ok, err := c.bar.Check(m)
		if err != nil || limit != c.limit || ok != c.ok {
			t.Errorf("%s: limit %g ok %v err %v, want %g %v", c.bar, limit, ok, err, c.limit, c.ok)
		}
	}
	if _, _, _, err := (course.Bar{Metric: "ssim", Op: "<=", Value: 1}).Check(m); err == nil {
		t.Error("a metric the evaluation did not print: no error")
	}
	if _, _, _, err := (course.Bar{Metric: "fd", Op: "<", Value: 1}).Check(m); err == nil {
		t.Error("an unknown comparison: no error")
	}
}

// TestRecipe: every run names a registered model, a notebook that exists and a unique
// folder, and its command lines carry its budget, seed and checkpoint.
func TestRecipe(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range course.Recipe {
		if seen[r.Name] {
			t.Errorf("%s: twice in the recipe", r.Name)
		}
		seen[r.Name] = true
		if _, err := os.Stat(filepath.Join("..", "notebooks", r.Notebook+".ipynb")); err != nil {
			t.Errorf("%s: notebook %s: %v", r.Name, r.Notebook, err)
		}
		if r.Steps <= 0 || r.Seed == 0 || r.Dataset == "" || r.Model == "" {
			t.Errorf("%s: incomplete: %+v", r.Name, r)
		}
		if len(r.Bars) == 0 && r.Look == "" {
			t.Errorf("%s: no bar and nothing to look at", r.Name)
		}
		a := strings.Join(r.TrainArgs("DIR"), " ")
		for _, want := range []string{r.Model + " ", "--dataset " + r.Dataset, "--ckpt DIR", "--seed ", "--steps "} {
			if !strings.Contains(a, want) {
				t.Errorf("%s: train args %q lack %q", r.Name, a, want)
			}
		}
		if e := r.EvalArgs("DIR"); !slices.Contains(e, "--ckpt") || !slices.Contains(e, r.Dataset) {
			t.Errorf("%s: eval args %v", r.Name, e)
		}
	}
	if _, err := course.Lookup("nope"); err == nil || !strings.Contains(err.Error(), "dcgan-mnist") {
		t.Errorf("Lookup of an unknown run: %v", err)
	}
}

// trained is a checkpoint of a GAN trained a few steps on the shapes, in dir.
func trained(t *testing.T, dir string) models.Model { return trainOn(t, dir, 3) }

func sample(t *testing.T, m models.Model) []float32 {
	t.Helper()
	px, err := m.(models.Sampler).Sample(8, 7)
	if err != nil {
		t.Fatal(err)
	}
	return px
}

// TestExportInstallLoad: a shipped run, installed and loaded, draws what the trained
// model drew: to the bit in float32, within float16's rounding in float16; and it ships
// no optimizer state.
func TestExportInstallLoad(t *testing.T) {
	tmp := t.TempDir()
	ckpt := filepath.Join(tmp, "train")
	orig := trained(t, ckpt)
	want := sample(t, orig)
	for _, half := range []bool{false, true} {
		run := course.Run{Name: "tiny-gan", Model: "gan", Dataset: "shapes", Steps: 3, Seed: 1, Half: half}
		dir := filepath.Join(tmp, "course", map[bool]string{false: "f32", true: "f16"}[half])
		m, err := course.Export(ckpt, dir, run, &course.Measurement{Metrics: map[string]float64{"fd": 1.5}}, "a test", "")
		if err != nil {
			t.Fatal(err)
		}
		if m.Steps != 3 || m.Model != "gan" || m.Metrics["fd"] != 1.5 || len(m.SHA256[course.WeightsFile]) != 64 {
			t.Errorf("manifest %+v", m)
		}
		_, weights, err := course.Open(dir, "tiny-gan")
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range weights {
			if strings.Contains(name, "AdamOptimizer") || strings.Contains(name, "rngState") {
				t.Errorf("ships training state %s", name)
			}
			if half && strings.HasSuffix(name, "kernel") && w.DType != "F16" {
				t.Errorf("%s: %s, want F16", name, w.DType)
			}
		}
		inst := filepath.Join(tmp, "runs", m.DType)
		if _, err := course.Installed(dir, "tiny-gan", inst); err != nil {
			t.Fatal(err)
		}
		loaded, err := models.Load(inst)
		if err != nil {
			t.Fatal(err)
		}
		got := sample(t, loaded)
		worst := 0.0
		for i := range want {
			worst = max(worst, math.Abs(float64(got[i]-want[i])))
		}
		if !half && worst != 0 {
			t.Errorf("float32: samples differ by up to %g after export and install", worst)
		}
		if half && (worst == 0 || worst > 0.02) {
			t.Errorf("float16: samples differ by up to %g (want a rounding's worth, > 0 and < 0.02)", worst)
		}
		t.Logf("%s: samples within %g of the trained model's", m.DType, worst)
		// Installed again: the same weights are not rewritten.
		st, _ := os.Stat(filepath.Join(inst, fit.CheckpointFile))
		if _, err := course.Installed(dir, "tiny-gan", inst); err != nil {
			t.Fatal(err)
		}
		if st2, _ := os.Stat(filepath.Join(inst, fit.CheckpointFile)); !st2.ModTime().Equal(st.ModTime()) {
			t.Error("installing the same run twice rewrote it")
		}
	}
}

// TestDamagedRunsAreClearErrors: a missing run, a flipped byte, a truncated file and a
// broken manifest each give an error that says which file, and install nothing.
func TestDamagedRunsAreClearErrors(t *testing.T) {
	tmp := t.TempDir()
	ckpt := filepath.Join(tmp, "train")
	trained(t, ckpt)
	run := course.Run{Name: "tiny-gan", Model: "gan", Dataset: "shapes", Steps: 3, Seed: 1}
	if _, _, err := course.Open(filepath.Join(tmp, "none"), "tiny-gan"); !errors.Is(err, course.ErrNotShipped) {
		t.Errorf("missing run: %v, want ErrNotShipped", err)
	}
	if _, _, err := course.Open("", "tiny-gan"); !errors.Is(err, course.ErrNotShipped) {
		t.Errorf("no course directory: %v, want ErrNotShipped", err)
	}
	if _, err := course.Export(ckpt, filepath.Join(tmp, "wrong"), course.Run{Name: "x", Model: "vae"}, nil, "m", ""); err == nil ||
		!strings.Contains(err.Error(), `holds a "gan" model`) {
		t.Errorf("exporting a checkpoint of another model: %v", err)
	}
	for _, c := range []struct {
		name   string
		damage func(weights, manifest string) error
		want   string
	}{
		{"flipped byte", func(w, _ string) error {
			b, _ := os.ReadFile(w)
			b[len(b)/2] ^= 1
			return os.WriteFile(w, b, 0o644)
		}, course.WeightsFile + " is damaged"},
		{"truncated", func(w, _ string) error {
			b, _ := os.ReadFile(w)
			return os.WriteFile(w, b[:len(b)-100], 0o644)
		}, course.WeightsFile + " is damaged"},
		{"weights missing", func(w, _ string) error { return os.Remove(w) }, course.WeightsFile},
		{"manifest broken", func(_, m string) error { return os.WriteFile(m, []byte("{\"name\": "), 0o644) }, course.ManifestFile + " is damaged"},
	} {
		dir := filepath.Join(tmp, strings.ReplaceAll(c.name, " ", "-"))
		if _, err := course.Export(ckpt, dir, run, nil, "a test", ""); err != nil {
			t.Fatal(err)
		}
		if err := c.damage(filepath.Join(dir, "tiny-gan", course.WeightsFile), filepath.Join(dir, "tiny-gan", course.ManifestFile)); err != nil {
			t.Fatal(err)
		}
		inst := filepath.Join(dir, "installed")
		_, err := course.Installed(dir, "tiny-gan", inst)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %q", c.name, err, c.want)
		}
		if fit.HasCheckpoint(inst) {
			t.Errorf("%s: a damaged run was installed", c.name)
		}
	}
}

func TestDir(t *testing.T) {
	t.Setenv(course.Env, "off")
	if d := course.Dir(); d != "" {
		t.Errorf("GENLAB_COURSE=off: Dir() = %q", d)
	}
	t.Setenv(course.Env, "/some/where")
	if d := course.Dir(); d != "/some/where" {
		t.Errorf("GENLAB_COURSE set: Dir() = %q", d)
	}
	os.Unsetenv(course.Env)
	if d := course.Dir(); !strings.HasSuffix(d, filepath.Join("course", "runs")) {
		t.Errorf("in the checkout: Dir() = %q, want its course/runs", d)
	}
}

// FuzzOpen: no manifest.json or weights file panics Open; what it accepts is the run
// asked for, with weights whose SHA-256 the manifest names.
func FuzzOpen(f *testing.F) {
	f.Add([]byte(`{"name":"r","sha256":{"weights.safetensors":"x"}}`), []byte{})
	f.Add([]byte(`{"name":"r","metrics":{"fd":1}}`), []byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	f.Add([]byte(`{"name":`), []byte{1})
	f.Add([]byte(`[]`), []byte{})
	f.Fuzz(func(t *testing.T, manifest, weights []byte) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "r"), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "r", course.ManifestFile), manifest, 0o644)
		os.WriteFile(filepath.Join(dir, "r", course.WeightsFile), weights, 0o644)
		m, _, err := course.Open(dir, "r")
		if err == nil && m.Name != "r" {
			t.Fatalf("opened run %q for r", m.Name)
		}
	})
}
