package course

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/genlab-go/genlab/fit"
)

// HomeEnv names the durable training home: where `genlab course train` keeps each run's
// checkpoint, outside the checkout, so that a fresh clone or `git clean` loses nothing.
const HomeEnv = "GENLAB_COURSE_HOME"

// Home is the durable training home: $GENLAB_COURSE_HOME, else genlab/course in the
// user's cache directory (~/.cache on Linux, ~/Library/Caches on macOS), else an error
// that says how to name one.
func Home() (string, error) {
	if env := os.Getenv(HomeEnv); env != "" {
		return env, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("course: no training home: %v (set $%s or give --home DIR)", err, HomeEnv)
	}
	return filepath.Join(cache, "genlab", "course"), nil
}

// LedgerFile is the record a run's folder in the training home keeps beside its
// checkpoint: its warm starts and every measurement of its bars' metrics (its curve).
const LedgerFile = "ledger.json"

// Ledger is what a run's training home remembers beyond the checkpoint: the warm starts
// (weights taken from a shipped run, with a fresh optimizer) and the measurements, so
// that `course status` and docs/RESULTS.md can say where the run stands and how it got
// there.
type Ledger struct {
	WarmStarts []WarmStart   `json:"warm_starts,omitempty"`
	Curve      []Measurement `json:"curve,omitempty"`
}

// WarmStart is one start from shipped weights: the step they were at and which
// weights (their SHA-256).
type WarmStart struct {
	Step   int    `json:"step"`
	SHA256 string `json:"sha256"`
	Date   string `json:"date"`
}

// Measurement is one evaluation of the run's checkpoint: the metrics of its first
// sampling seed, the spread of each over all seeds (max - min: the metric's noise), the
// seeds and the eval flags it was measured with.
type Measurement struct {
	Step    int                `json:"step"`
	Metrics map[string]float64 `json:"metrics"`
	Noise   map[string]float64 `json:"noise,omitempty"`
	Seeds   int                `json:"seeds"`
	Eval    []string           `json:"eval"`
	Date    string             `json:"date"`
}

// ReadLedger reads the ledger of the run in runDir (an empty one if it has none yet).
func ReadLedger(runDir string) (*Ledger, error) {
	var l Ledger
	raw, err := os.ReadFile(filepath.Join(runDir, LedgerFile))
	if errors.Is(err, os.ErrNotExist) {
		return &l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("course: %w", err)
	}
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, fmt.Errorf("course: %s is damaged: %v (delete it: it only records the run's history)", filepath.Join(runDir, LedgerFile), err)
	}
	return &l, nil
}

// Write saves the ledger into runDir, atomically.
func (l *Ledger) Write(runDir string) error {
	js, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(runDir, LedgerFile), append(js, '\n'))
}

// Last is the latest measurement (nil if none).
func (l *Ledger) Last() *Measurement {
	if len(l.Curve) == 0 {
		return nil
	}
	return &l.Curve[len(l.Curve)-1]
}

// Add records a measurement, replacing an earlier one of the same step and eval flags.
func (l *Ledger) Add(m Measurement) {
	for i, c := range l.Curve {
		if c.Step == m.Step && fmt.Sprint(c.Eval) == fmt.Sprint(m.Eval) {
			l.Curve = append(l.Curve[:i], l.Curve[i+1:]...)
			break
		}
	}
	l.Curve = append(l.Curve, m)
}

func today() string { return time.Now().UTC().Format("2006-01-02") }

// WarmStartFrom installs the shipped run name from the course directory dir as the
// starting checkpoint of runDir (weights only: training on starts a fresh optimizer and
// seeds the random state from the run's seed and step) and records it in the ledger.
// It refuses to write over a checkpoint runDir already holds. A damaged shipped run is
// an error that names the file, and nothing is written.
func WarmStartFrom(dir, name, runDir string) (*Manifest, error) {
	if fit.HasCheckpoint(runDir) {
		return nil, fmt.Errorf("course: %s already holds a checkpoint: not replaced by the shipped weights", runDir)
	}
	m, err := Install(dir, name, runDir)
	if err != nil {
		return nil, err
	}
	l, err := ReadLedger(runDir)
	if err != nil {
		return nil, err
	}
	l.WarmStarts = append(l.WarmStarts, WarmStart{Step: m.Steps, SHA256: m.SHA256[WeightsFile], Date: today()})
	return m, l.Write(runDir)
}

// Cost is what the training of a checkpoint has cost, from its run manifest: the steps
// its processes trained, their core-hours (the CPU time each used; for older parts wall
// time x GOMAXPROCS) and its step rate in steps per core-second, from the parts that
// recorded their time.
type Cost struct {
	Steps     int
	CoreHours float64
	PerCoreS  float64 // steps per core-second (0: no part recorded its time)
	Untimed   int     // steps trained by parts that recorded no time (before genlab did)
}

// CostOf reads the cost of the checkpoint in runDir.
func CostOf(runDir string) (Cost, error) {
	m, err := fit.ReadManifest(runDir)
	if err != nil {
		return Cost{}, err
	}
	return costOf(m), nil
}

func costOf(m fit.Manifest) Cost {
	var c Cost
	var timedSteps int
	var timedCoreS float64
	for _, r := range m.Runs {
		c.Steps += r.To - r.From
		switch {
		case r.CPUSeconds > 0: // what the process used, paused or sharing its cores
			timedSteps += r.To - r.From
			timedCoreS += r.CPUSeconds
		case r.Seconds > 0 && r.Cores > 0:
			timedSteps += r.To - r.From
			timedCoreS += r.Seconds * float64(r.Cores)
		default:
			c.Untimed += r.To - r.From
		}
	}
	c.CoreHours = timedCoreS / 3600
	if timedCoreS > 0 {
		c.PerCoreS = float64(timedSteps) / timedCoreS
	}
	return c
}

// Replaces says whether a run at steps steps, measured as m, should replace prev, the
// shipped run (nil: none), and why. The ratchet: the first bar's metric must be better
// than the shipped one's by more than the noise of either measurement, measured with
// the same eval flags; a run without bars replaces one with fewer steps. A run is never
// replaced by a worse one, nor by one within its noise, so the repository's history
// grows only when the course does.
func Replaces(r Run, prev *Manifest, m Measurement, steps int) (bool, string) {
	if prev == nil {
		return true, "nothing is shipped"
	}
	if len(r.Bars) == 0 {
		if steps > prev.Steps {
			return true, fmt.Sprintf("%s steps, the shipped run %s (no bars: more training ships)", Thousands(steps), Thousands(prev.Steps))
		}
		return false, fmt.Sprintf("%s steps, no more than the shipped run's %s", Thousands(steps), Thousands(prev.Steps))
	}
	b := r.Bars[0]
	if fmt.Sprint(prev.Eval) != fmt.Sprint(m.Eval) {
		return false, fmt.Sprintf("measured with eval flags %v, the shipped run with %v: not comparable", m.Eval, prev.Eval)
	}
	now, was := m.Metrics[b.Metric], prev.Metrics[b.Metric]
	noise := max(m.Noise[b.Metric], prev.Noise[b.Metric])
	better := now < was-noise
	if b.Op == ">=" {
		better = now > was+noise
	}
	verdict := "not better by more than the noise"
	if better {
		verdict = "better by more than the noise"
	}
	return better, fmt.Sprintf("%s %.4g against the shipped %.4g, noise %.3g: %s", b.Metric, now, was, noise, verdict)
}
