// Package backend picks the GoMLX compute backend genlab runs on.
//
// genlab defaults to GoMLX's pure-Go backend so that every lecture runs on a laptop CPU
// with nothing to download. The user picks another backend with the GOMLX_BACKEND
// environment variable (for example "xla:cuda" on a GPU machine, in a binary built with
// -tags xla, which links
// github.com/genlab-go/genlab/backend/xla) or the CLI's --backend flag.
package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // the pure-Go backend: always linked.
)

// EnvVar is the environment variable GoMLX reads to select a backend.
const EnvVar = compute.ConfigEnvVar

// Default is the configuration used when neither GOMLX_BACKEND nor an explicit
// configuration is given: the pure-Go backend.
const Default = "go"

// goSafe is what a bare "go" configuration runs as. GoMLX v0.28.8's pure-Go backend
// deadlocks with its default bounded worker pool (2 x GOMAXPROCS workers): when that
// many large matmuls are ready at once, each occupies a worker while waiting for more
// workers to split its work (docs/UPSTREAM.md; a conv VAE train step hung within
// seconds). An unbounded pool cannot deadlock and was also the fastest setting measured
// (conv VAE step 3.6-3.9 steps/s against 2.6 with ops_sequential). Any explicit option
// ("go:ops_sequential", "go:parallelism=4") is passed through unchanged.
const goSafe = "go:parallelism=-1"

var (
	mu     sync.Mutex
	cached = map[string]compute.Backend{}
)

func init() {
	// The XLA backend (when linked) would try to download its PJRT plugin on first use:
	// genlab never downloads behind the user's back.
	if _, ok := os.LookupEnv("GOMLX_NO_AUTO_INSTALL"); !ok {
		_ = os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	}
}

// Config returns the backend configuration genlab will use: config if not empty, else
// $GOMLX_BACKEND, else Default.
func Config(config string) string {
	if config != "" {
		return config
	}
	if env := os.Getenv(EnvVar); env != "" {
		return env
	}
	return Default
}

// Resolved is the configuration New actually passes to GoMLX for config.
func Resolved(config string) string {
	config = Config(config)
	if config == "go" {
		return goSafe
	}
	return config
}

// New returns the backend for config (see Config). Backends are cached per
// configuration: creating one is not free and GoMLX tensors are tied to the backend
// that made them.
func New(config string) (compute.Backend, error) {
	config = Config(config)
	mu.Lock()
	defer mu.Unlock()
	if b, ok := cached[config]; ok {
		return b, nil
	}
	if strings.HasPrefix(config, "go") {
		warnSlowExp()
		warnNoSIMD()
	}
	quietCUDACheck(config)
	b, err := newQuiet(Resolved(config))
	if err != nil {
		return nil, fmt.Errorf("backend %q: %w (GOMLX_BACKEND=go selects the pure-Go backend; "+
			"xla needs a binary built with -tags xla (package genlab/backend/xla) and a PJRT plugin)", config, err)
	}
	cached[config] = b
	return b, nil
}

// cudaCheckEnv turns off go-xla's check for NVIDIA's libraries beside a CUDA plugin.
const cudaCheckEnv = "GOPJRT_CUDA_CHECKS"

// quietCUDACheck silences a false alarm. go-xla (v0.4.5) looks for NVIDIA's libraries in
// the folder beside the CUDA plugin's folder and, not finding them there, warns at every
// start that the plugin will likely fail. JAX's plugin
// (site-packages/jax_plugins/xla_cuda13/xla_cuda_plugin.so) finds them one level higher,
// in site-packages/nvidia/, through the RPATH it was built with, and runs. So when a
// plugin given by path has that folder two levels up, the check is turned off; any
// other layout keeps the warning, which may then be true. A user's own setting of
// GOPJRT_CUDA_CHECKS is left alone.
func quietCUDACheck(config string) {
	plugin, ok := strings.CutPrefix(config, "xla:")
	if !ok || !filepath.IsAbs(plugin) {
		return
	}
	if _, set := os.LookupEnv(cudaCheckEnv); set {
		return
	}
	if jaxNVIDIALibs(plugin) != "" {
		_ = os.Setenv(cudaCheckEnv, "0")
	}
}

// jaxNVIDIALibs returns the nvidia/ folder two levels above plugin (JAX's layout), or ""
// when there is none.
func jaxNVIDIALibs(plugin string) string {
	dir := filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(plugin))), "nvidia")
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return dir
	}
	return ""
}

// MustNew is New that panics on error, for notebooks and examples.
func MustNew(config string) compute.Backend {
	b, err := New(config)
	if err != nil {
		panic(err)
	}
	return b
}

// newQuiet creates a backend with stdout silenced: the pure-Go backend prints a line
// when given a parallelism option, which would land among the CLI's metric lines and
// in every notebook. Only called under mu.
func newQuiet(config string) (b compute.Backend, err error) {
	// GoMLX panics on an unknown backend name: a typo in --backend is an error, not a crash.
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("%v", r)
		}
	}()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return compute.NewWithConfig(config)
	}
	defer devnull.Close()
	stdout := os.Stdout
	os.Stdout = devnull
	defer func() { os.Stdout = stdout }()
	return compute.NewWithConfig(config)
}
