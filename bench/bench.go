// Package bench times genlab's train steps against a peer framework's (PyTorch on CPU)
// on the same models, batch sizes and machine, interleaved in one run. It backs
// `genlab bench`; the numbers and the profile are in docs/BENCHMARKS.md.
package bench

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/genlab-go/genlab/backend"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models/ae"
	"github.com/genlab-go/genlab/models/cyclegan"
	"github.com/genlab-go/genlab/models/dbvae"
	"github.com/genlab-go/genlab/models/detector"
	"github.com/genlab-go/genlab/models/diffusion"
	"github.com/genlab-go/genlab/models/flow"
	"github.com/genlab-go/genlab/models/gan"
	"github.com/genlab-go/genlab/models/pix2pix"
	"github.com/genlab-go/genlab/models/pixelcnn"
	"github.com/genlab-go/genlab/models/progan"
	"github.com/genlab-go/genlab/models/regressor"
	"github.com/genlab-go/genlab/models/vae"
	"github.com/gomlx/gomlx/core/tensors"
)

// PeerScript is the PyTorch program that defines the same models (peer.py).
//
//go:embed peer.py
var PeerScript []byte

// Case is one benchmarked model: a train step and the fixed batch it runs on.
type Case struct {
	Name  string
	Batch int
	// Build returns the compiled train step and the inputs of each of its updates.
	Build func() (*fit.Stepper, [][]*tensors.Tensor, error)
}

// Cases are the benchmarked models, by name: mlp_vae, conv_vae, dcgan and dcgan_bn (the
// DCGAN with batch norm where Radford et al. put it), and pix2pix and cyclegan at their
// defaults (64x64; batches of 8 pairs and of 1 image per domain), and the age
// regressor (64x64 faces, batches of 64), the gated PixelCNN (binary 28x28 digits,
// batches of 32), the face detector and the DB-VAE (32x32 faces and objects, batches of
// 64) and the diffusion model's noise predictor (28x28 digits, batches of 32).
func Cases() []Case {
	return []Case{
		{Name: "mlp_vae", Batch: 128, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			c := vae.DefaultConfig()
			c.Arch, c.Latent, c.Hidden, c.BatchSize = ae.MLP, 20, []int{512, 256}, 128
			return vaeStep(c)
		}},
		{Name: "conv_vae", Batch: 128, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			c := vae.DefaultConfig()
			c.Arch, c.Latent, c.Channels, c.BatchSize = ae.Conv, 16, []int{32, 64}, 128
			return vaeStep(c)
		}},
		{Name: "dcgan", Batch: 64, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			return ganStep(gan.DefaultConfig())
		}},
		{Name: "dcgan_bn", Batch: 64, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			c := gan.DefaultConfig()
			c.BatchNorm = true
			return ganStep(c)
		}},
		{Name: "pix2pix", Batch: pix2pix.DefaultConfig().BatchSize, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			return pix2pixStep(pix2pix.DefaultConfig())
		}},
		{Name: "cyclegan", Batch: cyclegan.DefaultConfig().BatchSize, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			return cycleganStep(cyclegan.DefaultConfig())
		}},
		{Name: "regressor", Batch: regressor.DefaultConfig().BatchSize, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			return regressorStep(regressor.DefaultConfig())
		}},
		{Name: "pixelcnn", Batch: pixelcnn.DefaultConfig().BatchSize, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			c := pixelcnn.DefaultConfig()
			m, err := pixelcnn.New(c)
			if err != nil {
				return nil, nil, err
			}
			adam := fit.Update{Loss: m.Loss, Optimizer: fit.Adam(c.LearningRate)}
			return stepper(m.Host, []fit.Update{adam}, binaryBatch(c.BatchSize))
		}},
		{Name: "detector", Batch: detector.DefaultConfig().BatchSize, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			c := detector.DefaultConfig()
			m, err := detector.New(c)
			if err != nil {
				return nil, nil, err
			}
			return stepper(m.Host, m.Updates(), uniformBatch(c.BatchSize, c.H, c.W, c.C), faceLabels(c.BatchSize))
		}},
		{Name: "dbvae", Batch: dbvae.DefaultConfig().BatchSize, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			c := dbvae.DefaultConfig()
			m, err := dbvae.New(c)
			if err != nil {
				return nil, nil, err
			}
			return stepper(m.Host(), m.Updates(), uniformBatch(c.BatchSize, c.H, c.W, c.C), faceLabels(c.BatchSize))
		}},
		{Name: "diffusion", Batch: diffusion.DefaultConfig().BatchSize, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			c := diffusion.DefaultConfig()
			m, err := diffusion.New(c)
			if err != nil {
				return nil, nil, err
			}
			return stepper(m.Host, m.Updates(), binaryBatch(c.BatchSize))
		}},
		{Name: "flow", Batch: flow.DefaultConfig().BatchSize, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			c := flow.DefaultConfig()
			m, err := flow.New(c)
			if err != nil {
				return nil, nil, err
			}
			return stepper(m.Host, m.Updates(), binaryBatch(c.BatchSize))
		}},
		// The growing GAN at its last stage (32x32 faces, no fade): a D update with the
		// R1 penalty and a G update, both with style mixing.
		{Name: "progan", Batch: progan.DefaultConfig().BatchSize, Build: func() (*fit.Stepper, [][]*tensors.Tensor, error) {
			c := progan.DefaultConfig()
			m, err := progan.New(c)
			if err != nil {
				return nil, nil, err
			}
			return stepper(m.Host, m.Updates(c.Stages()-1, false), uniformBatch(c.BatchSize, c.H, c.W, c.C), tensors.FromScalar(float32(1)))
		}},
	}
}

// pix2pixStep is one D update plus one G update on a fixed batch of pairs (the jitter
// is data preparation, outside the step).
func pix2pixStep(c pix2pix.Config) (*fit.Stepper, [][]*tensors.Tensor, error) {
	m, err := pix2pix.New(c)
	if err != nil {
		return nil, nil, err
	}
	h, w, ch := c.Shape()
	return stepper(m.Host, m.Updates(), uniformBatch(c.BatchSize, h, w, ch))
}

// cycleganStep is one update of both generators plus one of both discriminators, on a
// fixed batch of each domain.
func cycleganStep(c cyclegan.Config) (*fit.Stepper, [][]*tensors.Tensor, error) {
	m, err := cyclegan.New(c)
	if err != nil {
		return nil, nil, err
	}
	h, w, ch := c.Shape()
	return stepper(m.Host, m.Updates(), uniformBatch(c.BatchSize, h, w, ch), uniformBatch(c.BatchSize, h, w, ch))
}

// regressorStep is one Adam step of the age regressor on a fixed batch of images and
// targets (the flips are data preparation, outside the step).
func regressorStep(c regressor.Config) (*fit.Stepper, [][]*tensors.Tensor, error) {
	m, err := regressor.New(c)
	if err != nil {
		return nil, nil, err
	}
	targets := make([]float32, c.BatchSize)
	for i := range targets {
		targets[i] = float32(i%80) / 100 // ages 0 to 79, scaled as the model's
	}
	adam := fit.Update{Loss: m.Loss, Optimizer: fit.Adam(c.LearningRate)}
	return stepper(m.Host, []fit.Update{adam},
		uniformBatch(c.BatchSize, c.H, c.W, c.C), tensors.FromFlatDataAndDimensions(targets, c.BatchSize))
}

// faceLabels are a detector's labels for a batch of n: half faces (1), then half
// objects (0), as its batches come.
func faceLabels(n int) *tensors.Tensor {
	labels := make([]int32, n)
	for i := range n / 2 {
		labels[i] = 1
	}
	return tensors.FromFlatDataAndDimensions(labels, n)
}

// uniformBatch is a fixed batch of n images of uniform noise in [0, 1] (the peer draws
// its own: the values do not change the work of a step).
func uniformBatch(n, h, w, c int) *tensors.Tensor {
	rng := rand.New(rand.NewPCG(1, 3))
	px := make([]float32, n*h*w*c)
	for i := range px {
		px[i] = rng.Float32()
	}
	return tensors.FromFlatDataAndDimensions(px, n, h, w, c)
}

// ganStep is one D update plus one G update.
func ganStep(c gan.Config) (*fit.Stepper, [][]*tensors.Tensor, error) {
	m, err := gan.New(c)
	if err != nil {
		return nil, nil, err
	}
	return stepper(m.Host, m.Updates(), binaryBatch(c.BatchSize))
}

// stepper compiles the updates of a model held by h, its in-graph random state seeded
// with 1, each update reading the same fixed batch.
func stepper(h fit.Host, updates []fit.Update, batch ...*tensors.Tensor) (*fit.Stepper, [][]*tensors.Tensor, error) {
	if err := h.Store.SetRNGStateFromSeed(1); err != nil {
		return nil, nil, err
	}
	s, err := fit.NewStepper(h.Backend, h.Store, updates...)
	inputs := make([][]*tensors.Tensor, len(updates))
	for i := range inputs {
		inputs[i] = batch
	}
	return s, inputs, err
}

// binaryBatch is a fixed batch of binary 28x28 images (30% ones), as the peer's.
func binaryBatch(n int) *tensors.Tensor {
	rng := rand.New(rand.NewPCG(1, 2))
	px := make([]float32, n*28*28)
	for i := range px {
		if rng.Float64() < 0.3 {
			px[i] = 1
		}
	}
	return tensors.FromFlatDataAndDimensions(px, n, 28, 28, 1)
}

func vaeStep(c vae.Config) (*fit.Stepper, [][]*tensors.Tensor, error) {
	m, err := vae.New(c)
	if err != nil {
		return nil, nil, err
	}
	adam := fit.Update{Loss: m.LossFn(), Optimizer: fit.Adam(c.LearningRate)}
	return stepper(m.Host, []fit.Update{adam}, binaryBatch(c.BatchSize))
}

// Result is a timed run of one side.
type Result struct {
	StepsPerS           float64
	LossFirst, LossLast float64 // the summed losses of the updates, after warm-up and at the end
}

// Runner times a built case repeatedly (the graph is compiled once).
type Runner struct {
	stepper *fit.Stepper
	inputs  [][]*tensors.Tensor
}

// NewRunner builds c.
func NewRunner(c Case) (*Runner, error) {
	s, in, err := c.Build()
	if err != nil {
		return nil, fmt.Errorf("bench %s: %w", c.Name, err)
	}
	return &Runner{stepper: s, inputs: in}, nil
}

// Close releases the compiled graphs.
func (r *Runner) Close() { r.stepper.Close() }

// Digest is fit.WeightsDigest of the case's variables as trained so far: two builds of the
// backend that run the same steps train the same bits, or they do not.
func (r *Runner) Digest() (string, error) { return fit.WeightsDigest(r.stepper.Store()) }

func (r *Runner) step() (float64, error) {
	total := 0.0
	for i, in := range r.inputs {
		out, err := r.stepper.Update(i, in)
		if err != nil {
			return 0, err
		}
		total += out[0]
	}
	return total, nil
}

// Time runs warmup steps, then times steps steps.
func (r *Runner) Time(warmup, steps int) (Result, error) {
	var res Result
	var err error
	for range max(warmup, 1) {
		if res.LossFirst, err = r.step(); err != nil {
			return res, err
		}
	}
	t0 := time.Now()
	for range steps {
		if res.LossLast, err = r.step(); err != nil {
			return res, err
		}
	}
	res.StepsPerS = float64(steps) / time.Since(t0).Seconds()
	return res, nil
}

// Settings describes genlab's side of the comparison: the backend the cases really run
// on (GoMLX's own description of it: the pure-Go backend and its parallelism, or XLA and
// its PJRT plugin), which build of the backend (patched or released), the SIMD build and, on the pure-Go backend, math.Exp's path.
func Settings() (string, error) {
	b, err := backend.New("")
	if err != nil {
		return "", err
	}
	s := fmt.Sprintf("genlab: GoMLX backend %q (%s, %d device(s)), %s, GOEXPERIMENT=simd build: %v",
		backend.Resolved(""), b.Description(), b.NumDevices(), backend.BuildOf(b), backend.SIMD)
	if strings.HasPrefix(backend.Resolved(""), "go") {
		exp := "fast path"
		if backend.SlowExp() {
			exp = "slow path (run with GODEBUG=" + backend.ExpSetting + ")"
		}
		s += ", math.Exp: " + exp
	}
	return s, nil
}

// PeerEnv is the environment the PyTorch peer runs with: OpenBLAS single-threaded
// (torch's own 2 threads do the parallel work; both at once oversubscribe 2 cores and
// run 1.5x to 3.5x slower), and OpenMP threads that sleep instead of spinning when idle.
var PeerEnv = []string{"OPENBLAS_NUM_THREADS=1", "OMP_WAIT_POLICY=PASSIVE"}

// Peer runs the PyTorch peer for one case.
type Peer struct {
	Python  string // interpreter with torch (Debian's python3-torch: /usr/bin/python3)
	Threads int    // torch.set_num_threads
	Device  string // torch device: cpu, or cuda to time the peer on a GPU beside XLA
	Compile bool   // torch.compile the peer's networks (peer.py --compile; PyTorch >= 2.0)
	script  string
}

// NewPeer writes the embedded peer script to a temporary file and checks that python
// has torch and, for device cuda, a GPU torch can use.
func NewPeer(python string, threads int, device string) (*Peer, error) {
	if device != "cpu" && device != "cuda" {
		return nil, fmt.Errorf("bench: unknown peer device %q (want cpu or cuda)", device)
	}
	dir, err := os.MkdirTemp("", "genlab-bench")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "peer.py")
	if err := os.WriteFile(path, PeerScript, 0o644); err != nil {
		return nil, err
	}
	p := &Peer{Python: python, Threads: threads, Device: device, script: path}
	if out, err := exec.Command(python, "-c", "import torch").CombinedOutput(); err != nil {
		p.Close()
		return nil, fmt.Errorf("bench: %s cannot import torch (apt-get install python3-torch libopenblas0): %v\n%s", python, err, out)
	}
	if device == "cuda" {
		out, err := exec.Command(python, "-c", "import torch; assert torch.cuda.is_available(), 'torch.cuda.is_available() is False'").CombinedOutput()
		if err != nil {
			p.Close()
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			return nil, fmt.Errorf("bench: %s has no CUDA device for the peer (a torch built with CUDA and a GPU are needed): %v: %s", python, err, lines[len(lines)-1])
		}
	}
	return p, nil
}

// Close removes the temporary script.
func (p *Peer) Close() { os.RemoveAll(filepath.Dir(p.script)) }

// PeerResult is the peer's JSON line.
type PeerResult struct {
	StepsPerS float64 `json:"steps_per_s"`
	LossFirst float64 `json:"loss_first"`
	LossLast  float64 `json:"loss_last"`
	Settings  string  `json:"settings"`
}

// PeerSession is one case's peer process: it builds the case's model once and times a
// round for each Time, so that its rounds, like genlab's Runner, continue one model and
// pay the interpreter's start (importing torch, on a GPU opening CUDA: most of a
// 343 s bench part on the H200 machine went to 18 of them) once per case instead of
// once per round.
type PeerSession struct {
	name   string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr bytes.Buffer
}

// Start starts the peer for the named case; each Time then runs warmup untimed and
// steps timed steps.
func (p *Peer) Start(name string, warmup, steps int) (*PeerSession, error) {
	s := &PeerSession{name: name}
	args := []string{p.script, "--serve", "--model", name, "--warmup", fmt.Sprint(warmup),
		"--steps", fmt.Sprint(steps), "--threads", fmt.Sprint(p.Threads), "--device", p.Device}
	if p.Compile {
		args = append(args, "--compile")
	}
	s.cmd = exec.Command(p.Python, args...)
	s.cmd.Env = append(os.Environ(), PeerEnv...)
	s.cmd.Stderr = &s.stderr
	var err error
	if s.in, err = s.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s.out = bufio.NewReader(stdout)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: peer %s: %w", name, err)
	}
	return s, nil
}

// Time runs one round in the peer and returns its result.
func (s *PeerSession) Time() (PeerResult, error) {
	var r PeerResult
	if _, err := io.WriteString(s.in, "round\n"); err != nil {
		return r, s.failed(err)
	}
	line, err := s.out.ReadBytes('\n')
	if err != nil {
		return r, s.failed(err)
	}
	if err := json.Unmarshal(bytes.TrimSpace(line), &r); err != nil {
		return r, fmt.Errorf("bench: peer %s printed %q: %w", s.name, line, err)
	}
	return r, nil
}

// failed ends the process and explains an error in talking to it with its stderr.
func (s *PeerSession) failed(err error) error {
	s.in.Close()
	werr := s.cmd.Wait()
	if werr != nil {
		err = werr
	}
	return fmt.Errorf("bench: peer %s: %v\n%s", s.name, err, s.stderr.String())
}

// Close ends the peer process: closing its input ends its loop.
func (s *PeerSession) Close() error {
	s.in.Close()
	if err := s.cmd.Wait(); err != nil {
		return fmt.Errorf("bench: peer %s: %v\n%s", s.name, err, s.stderr.String())
	}
	return nil
}
