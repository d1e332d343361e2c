package fit

import (
	"slices"
	"testing"

	"github.com/gomlx/gomlx/ml/model"
)

// A checkpoint saved before a field existed reads as that field's zero value, as
// LoadModel reads it; only the fields that differ are listed.
func TestConfigChanges(t *testing.T) {
	dir := t.TempDir()
	if err := SaveModel(dir, model.NewStore(), "m", struct{ A int }{1}); err != nil {
		t.Fatal(err)
	}
	type now struct {
		A int
		B string
	}
	for _, c := range []struct {
		cfg  now
		want []string
	}{
		{now{1, ""}, nil},
		{now{2, ""}, []string{"A: 1 -> 2"}},
		{now{1, "unet"}, []string{`B: "" -> "unet"`}},
	} {
		got, err := ConfigChanges(dir, "m", c.cfg)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ConfigChanges(%+v) = %q, %v; want %q", c.cfg, got, err, c.want)
		}
	}
	if _, err := ConfigChanges(t.TempDir(), "m", now{}); err == nil {
		t.Error("ConfigChanges of an empty directory: no error")
	}
	if _, err := ConfigChanges(dir, "other", now{}); err == nil {
		t.Error("ConfigChanges against another model's checkpoint: no error")
	}
}
