package fit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// Metric is a named scalar a loss function reports besides the loss (the two terms of
// the ELBO, say). Its value is averaged over the steps between two progress reports.
type Metric struct {
	Name  string
	Value *graph.Node
}

// LossFn builds, inside a graph, the loss to minimize for one batch of inputs.
type LossFn func(scope *model.Scope, inputs []*graph.Node) (loss *graph.Node, metrics []Metric)

// Update is one optimization step: minimize Loss over the trainable variables under
// Scope (the whole store if empty) with Optimizer, Repeat times per training step
// (0 means once; WGAN-GP's critic takes 5 steps for each generator step). A model with
// several players (a GAN's generator and discriminator; CycleGAN's two of each) is a
// list of updates, one per player, each moving only its own scope.
type Update struct {
	Name      string
	Scope     string
	Loss      LossFn
	Optimizer optimizer.Interface
	Repeat    int
	// Reuse makes each run of this update read the minibatch the update before it read
	// last, instead of drawing a new one (see Train): a GAN's generator needs only the
	// batch's size and labels, which the discriminator's last batch has.
	Reuse bool
}

// Batches returns the input tensors for training step step (0-based) and call number
// call within the step: the updates' runs in order, counting repeats (for updates D x5
// then G, calls 0-4 are D's and 5 is G's; without repeats the call is the update's
// index). Making it a function of the step is what makes resumed runs reproducible.
type Batches func(step, call int) ([]*tensors.Tensor, error)

// Config sets the budget and the bookkeeping of a run.
type Config struct {
	Steps           int    // total steps (a step runs every update once); resumed runs count from the checkpoint
	Seed            int64  // seeds the in-graph random state (the data order is the Batches function's job)
	CheckpointDir   string // "" for no checkpoints
	CheckpointEvery int    // steps between checkpoints (0: only at the end)
	// CheckpointInterval, if not zero, also checkpoints at the first step boundary after
	// this much wall time since the last checkpoint: a long run on a slow machine, killed
	// without warning, loses at most about this much work whatever its step rate.
	CheckpointInterval time.Duration
	// Progress receives progress reports (nil: none). On a terminal it is a live bar;
	// elsewhere (notebooks, logs) about Reports lines per run.
	Progress io.Writer
	Reports  int
	// Meta is saved in the checkpoint (model name, configuration) for the CLI to read back.
	Meta map[string]string
	// OnCheckpoint, if set, runs after every checkpoint this run writes (the final one
	// included) with the step it holds: to draw samples over training, say. An error
	// stops the run; the checkpoint is already written.
	OnCheckpoint func(step int) error
	// Continue, if set, is the history of a run that this one continues in the same
	// store and process, with other updates: a model trained in stages whose graphs
	// differ (a GAN that grows). The run starts at Continue.EndStep with the store as it
	// is (its weights, optimizer state and random state; nothing is reseeded, and a
	// checkpoint in CheckpointDir is not read: that run wrote it from this store), its
	// records, wall time and start step carry on from Continue's, and its checkpoints'
	// manifests record one part for the process, not one per stage.
	Continue *History
	// Until, if not zero, ends the run at the first step boundary after this time: a
	// checkpoint there, History.EndStep that step. The steps trained are the first of the
	// Steps-step run (a schedule over Steps is unchanged), and a later run with the same
	// Steps resumes from there. A time budget ("train for ten minutes"), for comparisons
	// at equal wall time and for learners with a lecture to fit.
	Until time.Time
}

// DefaultConfig is 1000 steps, seed 1, no checkpoints, progress on stderr (on stdout
// in a GoNB notebook, where stderr is kept for errors).
func DefaultConfig() Config {
	var w io.Writer = os.Stderr
	if inNotebook() {
		w = os.Stdout
	}
	return Config{Steps: 1000, Seed: 1, Progress: w, Reports: 10}
}

// inNotebook reports whether a GoNB kernel runs this process: it sets $GONB_PIPE for
// every cell. (Reading the variable keeps the training loop free of GoNB's display
// package, which only lab imports.)
func inNotebook() bool { return os.Getenv("GONB_PIPE") != "" }

// Budget is the configuration of a named, resumable run, as notebooks use it: steps
// steps (smoke under $GENLAB_SMOKE), checkpoints in RunDir(name), so that running the
// cell again resumes or skips training.
func Budget(name string, steps, smoke int) Config {
	c := DefaultConfig()
	c.Steps, c.CheckpointDir = Steps(steps, smoke), RunDir(name)
	return c
}

// Quiet returns c without progress reports (a sweep of many runs, a figure series).
func (c Config) Quiet() Config {
	c.Progress = nil
	return c
}

// historyKey is the checkpoint metadata entry holding the History's records.
const historyKey = "fit/history"

// ErrNonFinite is returned when a loss becomes NaN or infinite.
var ErrNonFinite = errors.New("loss is not finite")

// Record is the averaged loss and metrics of one update over a reporting interval.
type Record struct {
	Step    int // last step of the interval (1-based count of steps done)
	Update  string
	Loss    float64
	Metrics map[string]float64
	Elapsed time.Duration // since the run started
}

// History is what Run measured.
type History struct {
	Records   []Record
	StartStep int // step the run resumed from (0 for a fresh run)
	EndStep   int // step the model is at: StartStep when the checkpoint had cfg.Steps already
	Wall      time.Duration
	StepsPerS float64

	// What a run that continues this one (Config.Continue) needs for its manifests:
	// the parts of the run before this process, and the step this process began at.
	runs []Build
	from int
}

// Series returns the (step, value) pairs of one update's loss (name "loss") or metric.
func (h *History) Series(update, name string) (steps, values []float64) {
	if h == nil {
		return nil, nil
	}
	for _, r := range h.Records {
		if r.Update != update {
			continue
		}
		v := r.Loss
		if name != "loss" {
			var ok bool
			if v, ok = r.Metrics[name]; !ok {
				continue
			}
		}
		steps = append(steps, float64(r.Step))
		values = append(values, v)
	}
	return steps, values
}

// Updates lists the names of the updates that have records, in the order they first
// appear.
func (h *History) Updates() []string {
	if h == nil {
		return nil
	}
	var names []string
	for _, r := range h.Records {
		if !slices.Contains(names, r.Update) {
			names = append(names, r.Update)
		}
	}
	return names
}

// Last returns the last record of an update (zero Record if none).
func (h *History) Last(update string) Record {
	for i := len(h.Records) - 1; i >= 0; i-- {
		if h.Records[i].Update == update {
			return h.Records[i]
		}
	}
	return Record{}
}

// Run trains: it restores cfg.CheckpointDir if it holds a checkpoint, seeds the store's
// random state otherwise, and runs the updates in turn until cfg.Steps steps are done,
// cfg.Until has passed, or ctx is cancelled (then it saves a checkpoint and returns
// ctx.Err()).
func Run(ctx context.Context, backend compute.Backend, store *model.Store, cfg Config, batches Batches, updates ...Update) (*History, error) {
	if len(updates) == 0 {
		return nil, errors.New("fit: no updates")
	}
	if cfg.Steps < 0 {
		return nil, fmt.Errorf("fit: negative step budget %d", cfg.Steps)
	}
	if cfg.CheckpointDir != "" {
		// A path that cannot hold checkpoints fails now, not at the first checkpoint
		// after minutes of training.
		if err := os.MkdirAll(cfg.CheckpointDir, 0o755); err != nil {
			return nil, fmt.Errorf("fit: checkpoint directory: %w", err)
		}
	}
	start := 0
	hist := &History{}
	// This process's part of the run, for the checkpoint's manifest.
	cur := thisBuild(backend.Name())
	cur.Seed = cfg.Seed
	if raw := cfg.Meta[dataKey]; raw != "" {
		cur.Data = new(Digest)
		if err := json.Unmarshal([]byte(raw), cur.Data); err != nil {
			return nil, fmt.Errorf("fit: bad data digest in the metadata: %w", err)
		}
	}
	var runs []Build // the parts before it
	var prevWall time.Duration
	switch {
	case cfg.Continue != nil:
		start = cfg.Continue.EndStep
		hist.Records = slices.Clone(cfg.Continue.Records)
		runs, prevWall = cfg.Continue.runs, cfg.Continue.Wall
	case HasCheckpoint(cfg.CheckpointDir):
		s, meta, err := Load(cfg.CheckpointDir, store)
		if err != nil {
			return nil, err
		}
		start = int(s)
		if meta[manifestKey] != "" {
			m, err := manifestOf(cfg.CheckpointDir, meta)
			if err != nil {
				return nil, err
			}
			runs = m.Runs
			if prev := m.Data(); prev != nil && cur.Data != nil && prev.SHA256 != cur.Data.SHA256 {
				report(cfg.Progress, "fit: warning: %s was trained on %s; resuming it on %s\n", cfg.CheckpointDir, prev, cur.Data)
			}
		}
		// The curves so far travel in the checkpoint, so that a resumed run (or a notebook
		// cell run again) still plots the whole training.
		if raw := meta[historyKey]; raw != "" {
			if err := json.Unmarshal([]byte(raw), &hist.Records); err != nil {
				return nil, fmt.Errorf("fit: %s: bad training history in checkpoint: %w", cfg.CheckpointDir, err)
			}
		}
		if rng := store.GetVariable(model.JoinPath("/", model.RNGStateVariableName)); rng == nil || !rng.HasValue() {
			// Weights without a random state (a course run installed to train on: a warm
			// start) are seeded from the run's seed and step, never from the clock, so
			// that a warm-started run is as reproducible as a fresh one.
			if err := store.SetRNGStateFromSeed(cfg.Seed + int64(start)); err != nil {
				return nil, fmt.Errorf("fit: seeding: %w", err)
			}
			report(cfg.Progress, "fit: warm start from the weights in %s at step %d (a fresh optimizer, the random state seeded from --seed and the step)\n", cfg.CheckpointDir, start)
		} else {
			report(cfg.Progress, "fit: resumed from %s at step %d\n", cfg.CheckpointDir, start)
		}
	default:
		if err := store.SetRNGStateFromSeed(cfg.Seed); err != nil {
			return nil, fmt.Errorf("fit: seeding: %w", err)
		}
	}
	from := start // where this process's part of the run began
	hist.StartStep = start
	if cfg.Continue != nil {
		from, hist.StartStep = cfg.Continue.from, cfg.Continue.StartStep
	}
	hist.runs, hist.from = runs, from

	stepper, err := NewStepper(backend, store, updates...)
	if err != nil {
		return nil, err
	}
	defer stepper.Close()

	t0 := time.Now()
	reports := max(cfg.Reports, 1)
	every := max((cfg.Steps-start)/reports, 1)
	bar := newProgress(cfg.Progress, start, cfg.Steps, cfg.Until)
	// Under a time budget the step budget may never be reached: report by time too, so
	// that the curves and progress lines come at about the same pace.
	var reportEvery time.Duration
	if !cfg.Until.IsZero() {
		reportEvery = time.Until(cfg.Until) / time.Duration(reports)
	}
	lastReport, lastSave := t0, t0
	sums := make([][]float64, len(updates))
	count := 0
	save := func(step int) error {
		if cfg.CheckpointDir == "" {
			return nil
		}
		meta := maps.Clone(cfg.Meta)
		if meta == nil {
			meta = map[string]string{}
		}
		raw, err := json.Marshal(hist.Records)
		if err != nil {
			return err
		}
		meta[historyKey] = string(raw)
		delete(meta, dataKey) // the manifest holds it
		cur.From, cur.To, cur.Seconds, cur.CPUSeconds = from, step, time.Since(t0).Seconds(), cpuSeconds()
		man, err := json.Marshal(Manifest{Runs: append(slices.Clone(runs), cur)})
		if err != nil {
			return err
		}
		meta[manifestKey] = string(man)
		if err := Save(cfg.CheckpointDir, store, int64(step), meta); err != nil {
			return err
		}
		lastSave = time.Now()
		if cfg.OnCheckpoint != nil {
			return cfg.OnCheckpoint(step)
		}
		return nil
	}
	end := cfg.Steps // where this run stops: its budget, or the step at which Until passed
	for step := start; step < end; step++ {
		if err := ctx.Err(); err != nil {
			if serr := save(step); serr != nil {
				return hist, errors.Join(err, serr)
			}
			return hist, err
		}
		call := 0
		for i, u := range updates {
			for range max(u.Repeat, 1) {
				inputs, err := batches(step, call)
				call++
				if err != nil {
					return hist, fmt.Errorf("fit: step %d: batch: %w", step, err)
				}
				outs, err := stepper.Update(i, inputs)
				if err != nil {
					return hist, fmt.Errorf("fit: step %d, update %q: %w", step, u.Name, err)
				}
				if sums[i] == nil {
					sums[i] = make([]float64, len(outs))
				}
				if v := outs[0]; math.IsNaN(v) || math.IsInf(v, 0) {
					where := "no checkpoint was written"
					if HasCheckpoint(cfg.CheckpointDir) {
						where = "the last good checkpoint in " + cfg.CheckpointDir + " is kept"
					}
					return hist, fmt.Errorf("fit: step %d, update %q: %w (%g); %s; try a lower learning rate",
						step+1, u.Name, ErrNonFinite, v, where)
				}
				for j, v := range outs {
					sums[i][j] += v
				}
			}
		}
		count++
		done := step + 1
		if !cfg.Until.IsZero() && done < end && !time.Now().Before(cfg.Until) {
			end = done
		}
		if done%every == 0 || done == end || (reportEvery > 0 && time.Since(lastReport) >= reportEvery) {
			lastReport = time.Now()
			for i, u := range updates {
				runs := float64(count * max(u.Repeat, 1))
				r := Record{Step: done, Update: u.Name, Loss: sums[i][0] / runs,
					Metrics: map[string]float64{}, Elapsed: time.Since(t0)}
				for j, name := range stepper.MetricNames(i) {
					r.Metrics[name] = sums[i][j+1] / runs
				}
				hist.Records = append(hist.Records, r)
				clear(sums[i])
			}
			count = 0
			bar.report(done, hist, updates)
		} else {
			bar.tick(done)
		}
		byStep := cfg.CheckpointEvery > 0 && done%cfg.CheckpointEvery == 0
		byTime := cfg.CheckpointInterval > 0 && time.Since(lastSave) >= cfg.CheckpointInterval
		if (byStep || byTime) && done < end {
			if err := save(done); err != nil {
				return hist, err
			}
		}
	}
	hist.EndStep = max(start, end) // a checkpoint past cfg.Steps is not rolled back
	hist.Wall = prevWall + time.Since(t0)
	if n := hist.EndStep - hist.StartStep; n > 0 && hist.Wall > 0 {
		hist.StepsPerS = float64(n) / hist.Wall.Seconds()
	}
	bar.finish(hist)
	if end > start {
		if err := save(end); err != nil {
			return hist, err
		}
	}
	if cfg.CheckpointDir != "" && cfg.Progress != nil {
		if m, err := ReadManifest(cfg.CheckpointDir); err == nil {
			report(cfg.Progress, "fit: %s: %s\n", cfg.CheckpointDir, strings.ReplaceAll(m.String(), "\n", "\n  "))
		}
	}
	return hist, nil
}

func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	default:
		f, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
		return f
	}
}

func report(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// Steps returns full, or smoke when $GENLAB_SMOKE is set: the one switch notebooks and
// tests use to shrink training budgets so that CI can execute everything.
func Steps(full, smoke int) int {
	if Smoke() {
		return smoke
	}
	return full
}

// RunsEnv names the environment variable that overrides where RunDir puts runs.
const RunsEnv = "GENLAB_RUNS"

// RunDir is the checkpoint directory of a named run: $GENLAB_RUNS/name, else runs/name
// under the working directory (a notebook's own folder in GoNB). Notebooks train into
// it, so that running a cell again resumes (or skips) training instead of repeating it.
func RunDir(name string) string {
	root := os.Getenv(RunsEnv)
	if root == "" {
		root = "runs"
	}
	return filepath.Join(root, name)
}

// Smoke reports whether $GENLAB_SMOKE asks for the smallest budgets.
func Smoke() bool { return os.Getenv("GENLAB_SMOKE") != "" && os.Getenv("GENLAB_SMOKE") != "0" }

// Stepper runs training steps with each update compiled once: the loss, its gradients
// and the optimizer's step, as one graph per update. Run drives it; benchmarks and
// custom loops can use it directly.
type Stepper struct {
	execs []*model.Exec
	names [][]string
	store *model.Store
}

// NewStepper compiles (lazily, on first use) one train step per update over store.
func NewStepper(backend compute.Backend, store *model.Store, updates ...Update) (*Stepper, error) {
	s := &Stepper{execs: make([]*model.Exec, len(updates)), names: make([][]string, len(updates)), store: store}
	for i, u := range updates {
		exec, err := model.NewExec(backend, store, func(scope *model.Scope, inputs []*graph.Node) []*graph.Node {
			g := inputs[0].Graph()
			store.SetTraining(g, true)
			sub := scope
			if u.Scope != "" {
				sub = store.Scope(u.Scope)
			}
			loss, metrics := u.Loss(sub, inputs)
			u.Optimizer.UpdateGraph(sub, g, loss)
			outs := []*graph.Node{loss}
			s.names[i] = s.names[i][:0]
			for _, m := range metrics {
				s.names[i] = append(s.names[i], m.Name)
				outs = append(outs, graph.ConvertDType(m.Value, loss.DType()))
			}
			return outs
		})
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("fit: update %q: %w", u.Name, err)
		}
		s.execs[i] = exec
	}
	return s, nil
}

// Update runs update i's train step on inputs and returns its loss followed by its
// metrics (see MetricNames).
func (s *Stepper) Update(i int, inputs []*tensors.Tensor) ([]float64, error) {
	args := make([]any, len(inputs))
	for j, t := range inputs {
		args[j] = t
	}
	outs, err := s.execs[i].Call(args...)
	if err != nil {
		return nil, err
	}
	vals := make([]float64, len(outs))
	for j, o := range outs {
		vals[j] = scalar(o)
	}
	return vals, nil
}

// MetricNames are the names of update i's metrics, in the order Update returns them
// (known after its first step).
func (s *Stepper) MetricNames(i int) []string { return s.names[i] }

// Store is the store the steps train.
func (s *Stepper) Store() *model.Store { return s.store }

// Close releases the compiled graphs.
func (s *Stepper) Close() {
	for _, e := range s.execs {
		if e != nil {
			e.Finalize()
		}
	}
}
