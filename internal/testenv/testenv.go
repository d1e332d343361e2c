// Package testenv finds what genlab's tests need: the real datasets and the repository
// root. Tests that need the datasets skip when they are absent, except under CI
// (CI=true), where a missing dataset is a failure.
package testenv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/genlab-go/genlab/datasets"
)

// Root returns the repository root (the directory holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: no go.mod above the test's directory")
		}
		dir = parent
	}
}

// DataDir returns the data directory for tests: $GENLAB_DATA, else the shared datasets
// folder beside the repository. It checks that rel (a path inside it) exists; if not,
// the test is skipped, or failed under CI.
func DataDir(t testing.TB, rel string) string {
	t.Helper()
	dir := os.Getenv(datasets.DirEnv)
	if dir == "" {
		dir = filepath.Join(Root(t), "..", "shared", "datasets")
	}
	if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("testenv: dataset %s not found in %s (set $%s)", rel, dir, datasets.DirEnv)
		}
		t.Skipf("testenv: dataset %s not found in %s (set $%s to run this test)", rel, dir, datasets.DirEnv)
	}
	return dir
}
