package course_test

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/course"
	"github.com/genlab-go/genlab/internal/testenv"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/genlab-go/genlab/models/gan"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// torchLayer reads a shipped run's safetensors with nothing but the format's layout
// (Debian has no safetensors package; the format is an 8-byte length, a JSON header and
// the bytes) and torch, and applies one dense layer, y = z W + b, to the inputs.
const torchLayer = `
import json, struct, sys, torch
weights, zfile, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
raw = open(weights, 'rb').read()
hlen = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + hlen])
body = raw[8 + hlen:]
dt = {'F16': torch.float16, 'F32': torch.float32}
def tensor(name):
    e = header[name]
    b, end = e['data_offsets']
    return torch.frombuffer(bytearray(body[b:end]), dtype=dt[e['dtype']]).reshape(e['shape']).float()
W, b = tensor('/generator/project/dense/weights'), tensor('/generator/project/dense/biases')
z = torch.frombuffer(bytearray(open(zfile, 'rb').read()), dtype=torch.float32).reshape(n, -1)
open(out, 'wb').write((z @ W + b).numpy().astype('<f4').tobytes())
print(header['/generator/project/dense/weights']['dtype'], tuple(W.shape))
`

// TestTorchReadsAShippedRun: PyTorch, reading a shipped (float16) run's weights file,
// computes the generator's first layer as genlab's own layer code computes it on the
// installed model: the file is portable, names and layouts included.
func TestTorchReadsAShippedRun(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		testenv.Missing(t, "PyTorch (Debian's python3-torch, which scripts/test.sh installs) is needed: "+err.Error())
	}
	tmp := t.TempDir()
	ckpt := filepath.Join(tmp, "train")
	trained(t, ckpt)
	run := course.Run{Name: "tiny-gan", Model: "gan", Dataset: "shapes", Steps: 3, Seed: 1, Half: true}
	dir := filepath.Join(tmp, "course")
	if _, err := course.Export(ckpt, dir, run, nil, "a test", ""); err != nil {
		t.Fatal(err)
	}
	inst := filepath.Join(tmp, "installed")
	if _, err := course.Installed(dir, run.Name, inst); err != nil {
		t.Fatal(err)
	}
	loaded, err := models.Load(inst)
	if err != nil {
		t.Fatal(err)
	}
	g := loaded.(*gan.Model)
	const n = 5
	rng := rand.New(rand.NewPCG(3, 4))
	z := make([]float32, n*g.Cfg.Noise)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	width := -1
	for v := range g.Store.IterVariables() {
		if v.Path() == "/generator/project/dense/biases" {
			width = v.Shape().Dim(0)
		}
	}
	if width < 0 {
		t.Fatal("no /generator/project/dense/biases in the installed model")
	}
	ours, err := g.Run("probe/project", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return blocks.DenseInit(scope.In("generator"), "project", x, width, g.Cfg.Init)
	}, z, n, g.Cfg.Noise)
	if err != nil {
		t.Fatal(err)
	}
	zfile, outFile := filepath.Join(tmp, "z.f32"), filepath.Join(tmp, "y.f32")
	if err := os.WriteFile(zfile, f32bytes(z), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-c", torchLayer, filepath.Join(dir, run.Name, course.WeightsFile), zfile, "5", outFile)
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1")
	said, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("torch: %v\n%s", err, said)
	}
	raw, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 4*len(ours) {
		t.Fatalf("torch wrote %d values, genlab %d", len(raw)/4, len(ours))
	}
	worst := 0.0
	for i, v := range ours {
		theirs := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		worst = max(worst, math.Abs(float64(theirs-v)))
	}
	// Both read the same float16 weights widened to float32: only the sums' order differs.
	if worst > 1e-4 {
		t.Errorf("torch and genlab disagree on the layer by up to %g", worst)
	}
	t.Logf("torch read %s; %d outputs agree within %.2g", strings.TrimSpace(string(said)), len(ours), worst)
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}
