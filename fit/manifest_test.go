package fit

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/backend"
	"github.com/genlab-go/genlab/datasets"
	"github.com/gomlx/gomlx/ml/model"
)

// Every checkpoint says what made it (the commit and GoMLX's version come from the build
// information, which test binaries lack: the CLI test checks them): a run in two parts, the second on other data,
// has two entries with their steps, seeds and data, and the resume warns about the data.
func TestManifest(t *testing.T) {
	be := backend.MustNew("go")
	b, u := regression(0.01)
	d := &datasets.Images{Name: "four", N: 4, H: 1, W: 1, C: 1, Pixels: []float32{1, 2, 3, 4}}
	cfg := DefaultConfig()
	cfg.Progress, cfg.CheckpointDir, cfg.Steps, cfg.Seed = nil, t.TempDir(), 10, 3
	cfg.Meta = ModelMeta("reg", struct{ A int }{1}, d)
	if _, err := Run(context.Background(), be, model.NewStore(), cfg, b, u); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(cfg.CheckpointDir)
	if err != nil {
		t.Fatal(err)
	}
	want := DigestOf(d)
	if len(m.Runs) != 1 || m.Runs[0].From != 0 || m.Runs[0].To != 10 || m.Runs[0].Seed != 3 || m.Data() == nil || *m.Data() != want ||
		m.Runs[0].Go != runtime.Version() || m.Runs[0].Backend != be.Name() {
		t.Errorf("manifest after 10 steps: %+v, want one run 0-10, seed 3, data %v", m, want)
	}
	// Resume to 20 on a changed pixel, with another seed.
	d2 := *d
	d2.Pixels = []float32{1, 2, 3, 5}
	cfg.Meta, cfg.Steps, cfg.Seed = ModelMeta("reg", struct{ A int }{1}, &d2), 20, 4
	var out strings.Builder
	cfg.Progress = &out
	if _, err := Run(context.Background(), be, model.NewStore(), cfg, b, u); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "warning: "+cfg.CheckpointDir+" was trained on four") || !strings.Contains(out.String(), "steps 10-20") {
		t.Errorf("resuming on other data: no warning, or no manifest at the end:\n%s", out.String())
	}
	m, err = ReadManifest(cfg.CheckpointDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Runs) != 2 || m.Runs[1].From != 10 || m.Runs[1].To != 20 || m.Runs[1].Seed != 4 || m.Runs[0].Data.SHA256 == m.Data().SHA256 {
		t.Errorf("manifest after the resume: %+v", m)
	}
}

func TestDigest(t *testing.T) {
	d := &datasets.Images{Name: "d", N: 2, H: 1, W: 1, C: 1, Pixels: []float32{0.5, 1}, Labels: []int32{0, 1}}
	a := DigestOf(d)
	if b := DigestOf(d); a != b || len(a.SHA256) != 64 || a.Shape != "1x1x1" {
		t.Errorf("digest %v, again %v", a, b)
	}
	d.Labels[1] = 0
	if DigestOf(d) == a {
		t.Error("another label, the same digest")
	}
	d.Labels[1], d.Pixels[0] = 1, 0.25
	if DigestOf(d) == a {
		t.Error("another pixel, the same digest")
	}
	// A set held as bytes has the digest of the float32 values they stand for, so a
	// checkpoint's data digest does not depend on how the loader kept the pixels.
	levels := make([]uint8, 3*70000) // longer than one buffer of the hash
	for i := range levels {
		levels[i] = uint8(i * 7)
	}
	floats := &datasets.Images{Name: "d", N: 3, H: 70000, W: 1, C: 1, Pixels: datasets.AppendLevels(nil, levels)}
	bytes := floats.WithPixels(nil)
	bytes.Bytes = levels
	if a, b := DigestOf(floats), DigestOf(bytes); a != b {
		t.Errorf("float32 pixels %v, the same as bytes %v", a, b)
	}
}
