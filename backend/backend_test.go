package backend

import (
	"os"
	"path/filepath"
	"testing"
)

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

// JAX's layout: site-packages/jax_plugins/xla_cuda13/xla_cuda_plugin.so beside
// site-packages/nvidia/. go-xla's false alarm is turned off there and only there.
func TestQuietCUDACheck(t *testing.T) {
	site := t.TempDir()
	plugin := filepath.Join(site, "jax_plugins", "xla_cuda13", "xla_cuda_plugin.so")
	if err := os.MkdirAll(filepath.Dir(plugin), 0o755); err != nil {
		t.Fatal(err)
	}
	check := func(config, want string) {
		t.Helper()
		os.Unsetenv(cudaCheckEnv)
		quietCUDACheck(config)
		if got := os.Getenv(cudaCheckEnv); got != want {
			t.Errorf("quietCUDACheck(%q): %s=%q, want %q", config, cudaCheckEnv, got, want)
		}
	}
	t.Setenv(cudaCheckEnv, "") // restored after the test
	check("xla:"+plugin, "")   // no nvidia/ yet: the warning may be true
	if err := os.Mkdir(filepath.Join(site, "nvidia"), 0o755); err != nil {
		t.Fatal(err)
	}
	check("xla:"+plugin, "0")
	check("xla:cuda", "") // a plugin by name: go-xla's own layout, its check stands
	check("go", "")
	t.Setenv(cudaCheckEnv, "1") // the user's choice wins
	quietCUDACheck("xla:" + plugin)
	if got := os.Getenv(cudaCheckEnv); got != "1" {
		t.Errorf("a user's %s=1 was changed to %q", cudaCheckEnv, got)
	}
}
