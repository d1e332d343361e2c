// Package testenv finds what genlab's tests need: the real datasets and the repository
// root. A test whose data or tools are missing fails, saying what is missing and
// where; it skips only when the person running the tests asked for that explicitly with
// $GENLAB_TEST_SKIP_MISSING=1 (a green run must mean every test ran).
package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/gomlx/gomlx/ml/model"
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

// SkipEnv names the environment variable that lets tests skip when what they need is
// missing, instead of failing.
const SkipEnv = "GENLAB_TEST_SKIP_MISSING"

// Missing fails t because something it needs is missing (why), or skips it if
// $GENLAB_TEST_SKIP_MISSING is set.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(SkipEnv) != "" {
		t.Skipf("%s ($%s is set: skipped)", why, SkipEnv)
	}
	t.Fatalf("%s (set $%s=1 to skip the tests that need it)", why, SkipEnv)
}

// DataDir returns the data directory for tests: $GENLAB_DATA, else the shared datasets
// folder beside the repository. It checks that rel (a path inside it) exists; if not,
// the test fails (see Missing).
func DataDir(t testing.TB, rel string) string {
	t.Helper()
	dir := os.Getenv(datasets.DirEnv)
	if dir == "" {
		dir = filepath.Join(Root(t), "..", "shared", "datasets")
	}
	if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
		Missing(t, fmt.Sprintf("testenv: dataset %s not found in %s (set $%s to the datasets folder)", rel, dir, datasets.DirEnv))
	}
	return dir
}

// Variables returns the raw bytes of every variable of store by path: what tests of
// exact resume compare.
func Variables(t testing.TB, store *model.Store) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for v := range store.IterVariables() {
		val, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		if err := val.ConstBytes(func(b []byte) { out[v.Path()] = bytes.Clone(b) }); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// Trainable is Variables restricted to the trainable ones: what a test of which
// player an update moves compares (batch norm's running averages move with every
// pass in training, whoever is updated).
func Trainable(t testing.TB, store *model.Store) map[string][]byte {
	t.Helper()
	all := Variables(t, store)
	for v := range store.IterVariables() {
		if !v.Trainable {
			delete(all, v.Path())
		}
	}
	return all
}

// Moved counts the variables under prefix in after, and how many of them differ from
// (or are missing in) before.
func Moved(before, after map[string][]byte, prefix string) (moved, total int) {
	for path, a := range after {
		if !strings.HasPrefix(path, prefix) {
			continue
		}
		total++
		if b, ok := before[path]; !ok || !bytes.Equal(a, b) {
			moved++
		}
	}
	return moved, total
}

// PlayersMoveOnlyTheirOwn checks a two-player game's updates, update 0 the
// discriminator's and 1 the generator's (as every genlab GAN orders them): after a
// first generator step, which creates every variable (G's loss runs D), a step of each
// player moves some of its own trainable variables (under dScope/ or gScope/) and none
// of the other's. It returns what was wrong, or "" when nothing was.
func PlayersMoveOnlyTheirOwn(t testing.TB, store *model.Store, update func(i int) error, dScope, gScope string) string {
	t.Helper()
	if err := update(1); err != nil {
		t.Fatal(err)
	}
	var wrong []string
	for i, who := range []string{"D", "G"} {
		before := Trainable(t, store)
		if err := update(i); err != nil {
			t.Fatal(err)
		}
		after := Trainable(t, store)
		dMoved, dTotal := Moved(before, after, dScope+"/")
		gMoved, gTotal := Moved(before, after, gScope+"/")
		mine, theirs := dMoved, gMoved
		if who == "G" {
			mine, theirs = gMoved, dMoved
		}
		if dTotal == 0 || gTotal == 0 || theirs != 0 || mine == 0 {
			wrong = append(wrong, fmt.Sprintf("a %s step moved %d of D's %d and %d of G's %d variables",
				who, dMoved, dTotal, gMoved, gTotal))
		}
	}
	return strings.Join(wrong, "; ")
}

// Detection is a small detection set made here (objects.Detection's layout): nFaces
// "faces", a bright disc on a dark ground with gender and race cycling through their
// values, followed by nObjects "objects" of seeded noise with factors -1; size x size x 3.
func Detection(nFaces, nObjects, size int) *datasets.Images {
	d := &datasets.Images{Name: "detection", N: nFaces + nObjects, H: size, W: size, C: 3,
		Classes: []string{"object", "face"}, FactorNames: []string{"age", "gender", "race"}, FactorSizes: []int{117, 2, 5}}
	rng := datasets.Rand(5, 7)
	for i := range d.N {
		face := i < nFaces
		for y := range size {
			for x := range size {
				dy, dx := float64(y)-float64(size-1)/2, float64(x)-float64(size-1)/2
				for c := range 3 {
					v := rng.Float32()
					if face {
						v = 0.1 + 0.05*float32(c)
						if dy*dy+dx*dx < float64(size*size)/8 {
							v = 0.8 - 0.1*float32(i%3)
						}
					}
					d.Pixels = append(d.Pixels, v)
				}
			}
		}
		if face {
			d.Labels = append(d.Labels, 1)
			d.Factors = append(d.Factors, int32(20+i), int32(i%2), int32(i%5))
		} else {
			d.Labels = append(d.Labels, 0)
			d.Factors = append(d.Factors, -1, -1, -1)
		}
	}
	return d
}

// DumpDOM loads the HTML file page in Chromium's headless shell and returns the DOM
// after its scripts have run (what a test's probe script wrote into it). Without the
// browser (scripts/setup.sh installs it) the test fails, see Missing.
func DumpDOM(t testing.TB, page string) []byte {
	t.Helper()
	chromium, err := exec.LookPath("chromium-headless-shell")
	if err != nil {
		Missing(t, "chromium-headless-shell opens HTML pages in tests (scripts/setup.sh installs it)")
	}
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromium, "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
		"--dump-dom", "file://"+abs)
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v", page, err)
	}
	return raw
}
