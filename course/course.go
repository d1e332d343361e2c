package course

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/atomicfile"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/safetensors"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/float16"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Files in a run's folder of the course directory.
const (
	WeightsFile  = "weights.safetensors"
	ManifestFile = "manifest.json"
)

// Env names the course directory ("off": none, so that a notebook trains everything
// itself); unset, Dir looks for the checkout's course/runs.
const Env = "GENLAB_COURSE"

// ErrNotShipped is wrapped by Open's and Load's error for a run the course directory
// does not hold.
var ErrNotShipped = errors.New("course run not shipped")

// Manifest says what a shipped run is and how it was made: the recipe's run, the
// model's configuration, the training processes (fit's manifest: commit, backend, seed,
// data digest, steps), the wall time, the metrics measured on the shipped weights, and
// the SHA-256 of each file.
type Manifest struct {
	Name     string             `json:"name"`
	Model    string             `json:"model"`
	Dataset  string             `json:"dataset"`
	Train    []string           `json:"train"` // the genlab train command line
	Eval     []string           `json:"eval"`  // the genlab eval flags the metrics came from
	Config   json.RawMessage    `json:"config"`
	Steps    int                `json:"steps"`
	Seed     int                `json:"seed"`
	DType    string             `json:"dtype"` // of the float weights: F16 or F32
	Wall     float64            `json:"wall_s"`
	Machine  string             `json:"machine"`
	Note     string             `json:"note,omitempty"` // e.g. a warm start, and from what
	Training json.RawMessage    `json:"training,omitempty"`
	Metrics  map[string]float64 `json:"metrics"`
	// Noise is each metric's spread (max - min) over the sampling seeds it was measured
	// with: a later run replaces this one only if it is better by more than that.
	Noise map[string]float64 `json:"noise,omitempty"`
	Seeds int                `json:"seeds,omitempty"`
	// WarmStarts are the points where training went on from shipped weights with a
	// fresh optimizer (the training home's ledger), not from a full checkpoint.
	WarmStarts []WarmStart       `json:"warm_starts,omitempty"`
	Exported   string            `json:"exported"` // date, UTC
	SHA256     map[string]string `json:"sha256"`
}

// Hours is the run's training wall time in hours.
func (m *Manifest) Hours() float64 { return m.Wall / 3600 }

// Dir is the course directory: $GENLAB_COURSE, else the checkout's course/runs found
// from the working directory or a notebook's folder ($GONB_DIR) upwards, else "" (no
// course runs; nothing is an error until a run is asked for).
func Dir() string {
	if env, ok := os.LookupEnv(Env); ok {
		if env == "off" {
			return ""
		}
		return env
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if nb := os.Getenv("GONB_DIR"); nb != "" {
		starts = append(starts, nb)
	}
	for _, d := range starts {
		for {
			if st, err := os.Stat(filepath.Join(d, "course", "runs")); err == nil && st.IsDir() {
				return filepath.Join(d, "course", "runs")
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
	return ""
}

// weightVar reports whether a checkpoint variable is part of the trained model (weights,
// batch norm's running averages, a diffusion model's weight average, the step) rather
// than training state (Adam's moments and step, the learning rate, the random state),
// which a course run does not ship.
func weightVar(path string) bool {
	return !strings.Contains(path, "AdamOptimizer") && !strings.Contains(path, "#") && !strings.Contains(path, "/optimizers/")
}

var toSafe = map[dtypes.DType]string{dtypes.Float32: "F32", dtypes.Float64: "F64", dtypes.Float16: "F16",
	dtypes.Int64: "I64", dtypes.Int32: "I32", dtypes.Uint64: "U64", dtypes.Uint32: "U32", dtypes.Uint8: "U8", dtypes.Bool: "BOOL"}

// Weights reads the model variables of the training checkpoint in ckptDir as
// safetensors tensors, float32 ones as float16 if half, with the checkpoint's step and
// metadata.
func Weights(ckptDir string, half bool) (map[string]safetensors.Tensor, int64, map[string]string, error) {
	store := model.NewStore()
	step, meta, err := fit.Load(ckptDir, store)
	if err != nil {
		return nil, 0, nil, err
	}
	out := map[string]safetensors.Tensor{}
	for v := range store.IterVariables() {
		if !weightVar(v.Path()) {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return nil, 0, nil, fmt.Errorf("course: %s: %w", v.Path(), err)
		}
		name, ok := toSafe[t.DType()]
		if !ok {
			return nil, 0, nil, fmt.Errorf("course: %s: no safetensors dtype for %s", v.Path(), t.DType())
		}
		var data []byte
		if err := t.ConstBytes(func(b []byte) { data = bytes.Clone(b) }); err != nil {
			return nil, 0, nil, fmt.Errorf("course: %s: %w", v.Path(), err)
		}
		if half && t.DType() == dtypes.Float32 {
			name, data = "F16", toHalf(data)
		}
		out[v.Path()] = safetensors.Tensor{DType: name, Shape: t.Shape().Dimensions, Data: data}
	}
	return out, step, meta, nil
}

// Export writes run's shipped form of the training checkpoint in ckptDir into
// dir/run.Name: the weights (float16 if run.Half) and a manifest with metrics, the
// machine it trained on and a note. Files are written beside their place and renamed,
// so an interrupted export leaves the previous run whole.
func Export(ckptDir, dir string, run Run, meas *Measurement, machine, note string) (*Manifest, error) {
	weights, step, meta, err := Weights(ckptDir, run.Half)
	if err != nil {
		return nil, err
	}
	if meta["model"] != run.Model {
		return nil, fmt.Errorf("course: %s holds a %q model, the recipe's %s is %q", ckptDir, meta["model"], run.Name, run.Model)
	}
	m := &Manifest{Name: run.Name, Model: run.Model, Dataset: run.Dataset, Train: run.TrainArgs("$GENLAB_COURSE_HOME/" + run.Name),
		Eval: run.Eval, Config: json.RawMessage(meta["config"]), Steps: int(step), Seed: run.Seed, DType: "F32",
		Wall: wallSeconds(meta), Machine: machine, Note: note,
		Exported: time.Now().UTC().Format("2006-01-02"), SHA256: map[string]string{}}
	if meas != nil {
		m.Metrics, m.Noise, m.Seeds = meas.Metrics, meas.Noise, meas.Seeds
		if meas.Eval != nil {
			m.Eval = meas.Eval
		}
	}
	if l, err := ReadLedger(ckptDir); err == nil {
		m.WarmStarts = l.WarmStarts
	}
	if run.Half {
		m.DType = "F16"
	}
	if t := meta["fit/manifest"]; t != "" {
		m.Training = json.RawMessage(t)
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, weights, map[string]string{"format": "genlab", "run": run.Name, "model": run.Model}); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	m.SHA256[WeightsFile] = hex.EncodeToString(sum[:])
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, run.Name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	if err := writeAtomic(filepath.Join(out, WeightsFile), buf.Bytes()); err != nil {
		return nil, err
	}
	if err := writeAtomic(filepath.Join(out, ManifestFile), append(js, '\n')); err != nil {
		return nil, err
	}
	return m, nil
}

// Open reads the manifest of the shipped run name in the course directory dir and
// checks its weights against the manifest's SHA-256, returning the decoded tensors. A
// missing run wraps ErrNotShipped; a damaged file is an error that names it.
func Open(dir, name string) (*Manifest, map[string]safetensors.Tensor, error) {
	if dir == "" {
		return nil, nil, fmt.Errorf("course: %s: %w (no course directory: set $%s or run from the checkout)", name, ErrNotShipped, Env)
	}
	mpath := filepath.Join(dir, name, ManifestFile)
	raw, err := os.ReadFile(mpath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("course: %s: %w (no %s)", name, ErrNotShipped, mpath)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("course: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, fmt.Errorf("course: %s is damaged: %v (restore it with git checkout, or delete the run's folder)", mpath, err)
	}
	if m.Name != name {
		return nil, nil, fmt.Errorf("course: %s names run %q, not %q", mpath, m.Name, name)
	}
	wpath := filepath.Join(dir, name, WeightsFile)
	data, err := os.ReadFile(wpath)
	if err != nil {
		return nil, nil, fmt.Errorf("course: %s: %w", name, err)
	}
	sum := sha256.Sum256(data)
	if want := m.SHA256[WeightsFile]; hex.EncodeToString(sum[:]) != want {
		return nil, nil, fmt.Errorf("course: %s is damaged: its SHA-256 is %x, the manifest says %s (restore it with git checkout, or delete the run's folder)", wpath, sum, want)
	}
	weights, _, err := safetensors.Read(data)
	if err != nil {
		return nil, nil, fmt.Errorf("course: %s: %w", wpath, err)
	}
	return &m, weights, nil
}

// Install writes the shipped run name as a genlab checkpoint into runDir (float16
// weights back to float32), so that every genlab tool loads it: models.Load, genlab
// eval and sample, a notebook. The optimizer's state is not shipped: training on from
// it starts Adam afresh (a warm start, not an exact resume).
func Install(dir, name, runDir string) (*Manifest, error) {
	m, weights, err := Open(dir, name)
	if err != nil {
		return nil, err
	}
	store := model.NewStore()
	names := make([]string, 0, len(weights))
	for n := range weights {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t, err := toTensor(weights[n])
		if err != nil {
			return nil, fmt.Errorf("course: %s: tensor %s: %w", name, n, err)
		}
		v, err := store.CreateVariable(n, t)
		if err != nil {
			return nil, fmt.Errorf("course: %s: %w", name, err)
		}
		v.SetTrainable(fit.Trainable(n, t.DType())) // the step counter is not a weight
	}
	meta := fit.ModelMeta(m.Model, m.Config, nil)
	meta["course"] = m.Name
	meta["course/sha256"] = m.SHA256[WeightsFile] // which weights: a new course run replaces the copy
	if len(m.Training) > 0 {
		meta["fit/manifest"] = string(m.Training)
	}
	if err := fit.Save(runDir, store, int64(m.Steps), meta); err != nil {
		return nil, err
	}
	return m, nil
}

// Load returns the shipped run name as a model, installed (once) into
// fit.RunDir("course/NAME") from the course directory, with its manifest.
func Load(name string) (models.Model, *Manifest, error) {
	dir := fit.RunDir("course/" + name)
	m, err := Installed(Dir(), name, dir)
	if err != nil {
		return nil, nil, err
	}
	mdl, err := models.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	return mdl, m, nil
}

// Installed installs the shipped run name into runDir unless runDir already holds that
// installation (same weights, by their SHA-256), and returns its manifest.
func Installed(dir, name, runDir string) (*Manifest, error) {
	if meta, err := fit.ReadMeta(runDir); err == nil && meta["course"] == name {
		if m, err := readManifest(dir, name); err == nil && meta["course/sha256"] == m.SHA256[WeightsFile] {
			return m, nil
		}
	}
	return Install(dir, name, runDir)
}

func readManifest(dir, name string) (*Manifest, error) {
	raw, err := os.ReadFile(filepath.Join(dir, name, ManifestFile))
	if err != nil {
		return nil, err
	}
	var m Manifest
	return &m, json.Unmarshal(raw, &m)
}

func toTensor(st safetensors.Tensor) (*tensors.Tensor, error) {
	var dt dtypes.DType
	data := st.Data
	switch st.DType {
	case "F16":
		dt, data = dtypes.Float32, fromHalf(st.Data)
	default:
		found := false
		for d, name := range toSafe {
			if name == st.DType {
				dt, found = d, true
			}
		}
		if !found {
			return nil, fmt.Errorf("dtype %s is not one genlab's models use", st.DType)
		}
	}
	t := tensors.FromShape(shapes.Make(dt, st.Shape...))
	if err := t.MutableBytes(func(b []byte) { copy(b, data) }); err != nil {
		return nil, err
	}
	return t, nil
}

// toHalf rounds little-endian float32s to float16 (to nearest even).
func toHalf(f32 []byte) []byte {
	out := make([]byte, len(f32)/2)
	for i := 0; i+4 <= len(f32); i += 4 {
		bits := uint32(f32[i]) | uint32(f32[i+1])<<8 | uint32(f32[i+2])<<16 | uint32(f32[i+3])<<24
		h := float16.FromFloat32(float32frombits(bits))
		out[i/2], out[i/2+1] = byte(h), byte(h>>8)
	}
	return out
}

// fromHalf widens little-endian float16s to float32 (exactly).
func fromHalf(f16 []byte) []byte {
	out := make([]byte, 2*len(f16))
	for i := 0; i+2 <= len(f16); i += 2 {
		bits := float32bits(float16.Float16(uint16(f16[i]) | uint16(f16[i+1])<<8).Float32())
		out[2*i], out[2*i+1], out[2*i+2], out[2*i+3] = byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24)
	}
	return out
}

// wallSeconds is the training wall time of a checkpoint: the sum, over the processes
// that trained it, of each one's last report (fit's history restarts its clock at
// every resume).
func wallSeconds(meta map[string]string) float64 {
	var hist []struct {
		Elapsed time.Duration
	}
	if json.Unmarshal([]byte(meta["fit/history"]), &hist) != nil {
		return 0
	}
	var total, seg time.Duration
	for _, r := range hist {
		if r.Elapsed < seg { // a new process
			total += seg
		}
		seg = r.Elapsed
	}
	return (total + seg).Seconds()
}

func writeAtomic(path string, data []byte) error { return atomicfile.WriteFile(path, data) }

func float32frombits(b uint32) float32 { return math.Float32frombits(b) }
func float32bits(f float32) uint32     { return math.Float32bits(f) }

// Summary is the run in a sentence for a notebook or a table: its budget, where and how
// long it trained, and its bars' metrics as measured on the shipped weights.
func (m *Manifest) Summary() string {
	s := fmt.Sprintf("the course run %s: %s steps, %s on %s", m.Name, Thousands(m.Steps), duration(m.Wall), m.Machine)
	r, err := Lookup(m.Name)
	if err != nil {
		return s
	}
	var parts []string
	seen := map[string]bool{}
	for _, b := range r.Bars {
		for _, k := range []string{b.Metric, b.Of} {
			if v, ok := m.Metrics[k]; ok && k != "" && !seen[k] {
				seen[k] = true
				parts = append(parts, fmt.Sprintf("%s %.4g", k, v))
			}
		}
	}
	if len(parts) > 0 {
		s += "; " + strings.Join(parts, ", ")
	}
	if cleared, standing := m.Standing(); !cleared {
		s += " (" + standing + ")"
	}
	return s
}

// Standing says whether the shipped run clears its recipe's bars, as its manifest
// measured them, and in words: "at its bars", or "in progress: 20,000 steps, fd 100.7
// against its bar 26.2" for a run shipped on the way to them.
func (m *Manifest) Standing() (cleared bool, words string) {
	r, err := Lookup(m.Name)
	if err != nil {
		return false, "not in the recipe"
	}
	metrics := maps.Clone(m.Metrics)
	Derived(metrics)
	var short []string
	for _, b := range r.Bars {
		v, limit, ok, err := b.Check(metrics)
		switch {
		case err != nil:
			short = append(short, fmt.Sprintf("%s not measured", b.Metric))
		case !ok:
			short = append(short, fmt.Sprintf("%s %.4g against its bar %.4g", b.Metric, v, limit))
		}
	}
	if len(short) == 0 {
		return true, "at its bars"
	}
	return false, fmt.Sprintf("in progress: %s steps, %s", Thousands(m.Steps), strings.Join(short, ", "))
}

// Unavailable says, for a notebook, why a course run is not shown (Load's error).
func Unavailable(name string, err error) string {
	if errors.Is(err, ErrNotShipped) {
		return fmt.Sprintf("(no course run %s here: %v; only your own run is shown)", name, err)
	}
	return fmt.Sprintf("(the course run %s could not be loaded: %v)", name, err)
}

// Thousands writes n with thousands separators: 20,000.
func Thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func duration(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second)).Round(time.Minute)
	if d < time.Hour {
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
}
