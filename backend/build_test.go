package backend

import (
	"strings"
	"testing"
)

// TestThisBuildIsPatched: the checkout's go.mod replaces the backend module with
// third_party/compute, so the tests (like every build here) run the patched backend.
// Run with go test -modfile=go.pinned.mod, they run the released one, and this test
// says so by failing unless GENLAB_PINNED_BUILD=1 expects it.
func TestThisBuildIsPatched(t *testing.T) {
	b, err := New("go")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s", b.Description(), BuildOf(b))
	want := !pinnedExpected()
	if Patched(b) != want {
		t.Errorf("Patched = %v, want %v: %s (is go.mod's replace of %s there?)", Patched(b), want, BuildOf(b), ComputeModule)
	}
	if !strings.Contains(BuildOf(b), "pure-Go") {
		t.Errorf("BuildOf(go backend) = %q", BuildOf(b))
	}
}
