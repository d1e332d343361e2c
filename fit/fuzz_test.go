package fit

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/genlab-go/genlab/backend"
	"github.com/gomlx/gomlx/ml/model"
)

// FuzzCheckpoint: no checkpoint file panics Load or ReadMeta; a rejected one creates no
// variable. The seeds are a real checkpoint, its truncations and header edits (the
// header is not covered by the data's checksum, so it is where a damaged file can lie).
func FuzzCheckpoint(f *testing.F) {
	dir := f.TempDir()
	b, u := regression(0.01)
	cfg := DefaultConfig()
	cfg.Progress, cfg.Steps, cfg.CheckpointDir = nil, 2, dir
	if _, err := Run(context.Background(), backend.MustNew("go"), model.NewStore(), cfg, b, u); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, CheckpointFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	for _, n := range []int{0, 5, len(magic), len(magic) + 8, len(magic) + 20, len(good) / 2, len(good) - 1} {
		f.Add(good[:n])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, CheckpointFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = ReadMeta(d)
		_, _ = CheckpointStep(d)
		s := model.NewStore()
		if _, _, err := Load(d, s); err != nil && s.NumVariables() != 0 {
			t.Fatalf("rejected (%v) but created %d variables", err, s.NumVariables())
		}
	})
}
