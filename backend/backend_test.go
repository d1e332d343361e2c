package backend

import "testing"

func TestResolved(t *testing.T) {
	t.Setenv(EnvVar, "")
	for in, want := range map[string]string{
		"":                  goSafe, // the default
		"go":                goSafe, // a bare "go" avoids the pool deadlock
		"go:ops_sequential": "go:ops_sequential",
		"xla:cuda":          "xla:cuda",
	} {
		if got := Resolved(in); got != want {
			t.Errorf("Resolved(%q) = %q, want %q", in, got, want)
		}
	}
	t.Setenv(EnvVar, "go")
	if got := Resolved(""); got != goSafe {
		t.Errorf("with %s=go: Resolved = %q, want %q", EnvVar, got, goSafe)
	}
}

func TestNewGivesOneBackendPerConfig(t *testing.T) {
	a, err := New("go")
	if err != nil {
		t.Fatal(err)
	}
	b, err := New("go")
	if err != nil || a != b {
		t.Errorf("New(go) twice: %p, %p, %v", a, b, err)
	}
	if _, err := New("nosuchbackend"); err == nil {
		t.Error("an unknown backend: no error")
	}
}
