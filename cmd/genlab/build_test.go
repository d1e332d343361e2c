package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/internal/testenv"
)

// TestPatchedBuildTrainsPinnedBits: the default build links genlab's patched backend
// (go.mod's replace of github.com/gomlx/compute with third_party/compute), and every
// patch claims the released module's arithmetic to the bit. So every bench case, trained
// a few steps by both builds (the other one is go.pinned.mod, go.mod without the
// replace), must end with the same weights, Adam's moments and random state. It also
// checks that the bench line says which build ran.
func TestPatchedBuildTrainsPinnedBits(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the command twice")
	}
	root := testenv.Root(t)
	dir := t.TempDir()
	digests := map[string]map[string]string{}
	for _, b := range []struct{ name, modfile, says string }{
		{"patched", "", "patched pure-Go backend"},
		{"pinned", filepath.Join(root, "go.pinned.mod"), "released pure-Go backend"},
	} {
		bin := filepath.Join(dir, "genlab-"+b.name)
		args := []string{"build", "-o", bin}
		if b.modfile != "" {
			args = append(args, "-modfile="+b.modfile)
		}
		build := exec.Command("go", append(args, ".")...)
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		cmd := exec.Command(bin, "bench", "--steps", "2", "--warmup", "1", "--rounds", "1")
		cmd.Env = append(os.Environ(), "GOMLX_BACKEND=go")
		raw, err := cmd.CombinedOutput()
		out := string(raw)
		if err != nil {
			t.Fatalf("%s build: genlab bench: %v\n%s", b.name, err, out)
		}
		if !strings.Contains(out, b.says) {
			t.Errorf("%s build: the bench does not say %q:\n%s", b.name, b.says, firstLines(out, 2))
		}
		digests[b.name] = benchDigests(t, out)
	}
	if len(digests["patched"]) == 0 {
		t.Fatal("the bench printed no weights digest")
	}
	for model, want := range digests["pinned"] {
		if got := digests["patched"][model]; got != want {
			t.Errorf("%s: the patched build trained other bits than the released one: sha256 %s, want %s", model, got, want)
		}
	}
	if len(digests["patched"]) != len(digests["pinned"]) {
		t.Errorf("cases: patched %d, pinned %d", len(digests["patched"]), len(digests["pinned"]))
	}
	t.Logf("[measured] %d bench cases: the same weights bit for bit in both builds", len(digests["pinned"]))
}

var (
	benchModel  = regexp.MustCompile(`^bench model=(\S+)`)
	benchDigest = regexp.MustCompile(`^#   weights after \d+ steps: sha256=([0-9a-f]{64})$`)
)

// benchDigests reads each case's weights digest from genlab bench's output.
func benchDigests(t *testing.T, out string) map[string]string {
	t.Helper()
	d := map[string]string{}
	model := ""
	for _, line := range strings.Split(out, "\n") {
		if m := benchModel.FindStringSubmatch(line); m != nil {
			model = m[1]
		} else if m := benchDigest.FindStringSubmatch(line); m != nil && model != "" {
			d[model] = m[1]
		}
	}
	return d
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
