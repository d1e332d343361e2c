// Package course is the course at full scale: the runs the notebooks show beside the
// learner's own (Recipe: which model, data, configuration, steps and seed), the quality
// bar each is held to, and the compact checkpoints that ship them (weights only, in
// safetensors, 16-bit where that costs nothing measurable, with a manifest and SHA-256
// sums checked on load). `genlab course` trains, exports, checks and installs them;
// notebooks load one with Load.
package course

import (
	"fmt"
	"strings"
)

// Run is one course run: a `genlab train` command (Model, Dataset, Args, Steps, Seed)
// whose checkpoint is exported to the course folder once its evaluation (`genlab eval`
// with Eval) clears its Bars.
type Run struct {
	Name     string   // the folder under the course directory, and the run's name in runs/course/
	Notebook string   // the notebook that shows it
	Model    string   // genlab train MODEL
	Dataset  string   // --dataset
	Args     []string // further train flags (--latent 32, --set FadeSteps=3000, ...)
	Steps    int      // --steps: the run's whole budget (schedules are laid out over it)
	Seed     int      // --seed
	Eval     []string // genlab eval flags beyond --ckpt and --dataset
	Bars     []Bar    // what its evaluation must show
	// Look is what a person must see in the run's figure before it ships (a number
	// cannot say "roads are drawn"); "" when the bars say it all.
	Look string
	// Half ships the float32 weights as float16: set where measured to move the
	// bars' metrics by less than their noise (`genlab course export` measures both).
	Half bool
	// GPU is the expected time on one H200 at the rates measured there (2026-12-04),
	// for planning a device call.
	GPU string
}

// Bar is one quality bar: Metric Op Value, or Metric Op Value x Of when Of names another
// metric of the same evaluation (the Frechet distance against its floor).
type Bar struct {
	Metric string
	Op     string // "<=" or ">="
	Value  float64
	Of     string
}

// String is the bar as the check prints it: "fd <= 4 x fd_floor".
func (b Bar) String() string {
	if b.Of != "" {
		return fmt.Sprintf("%s %s %g x %s", b.Metric, b.Op, b.Value, b.Of)
	}
	return fmt.Sprintf("%s %s %g", b.Metric, b.Op, b.Value)
}

// Check compares metrics against the bar: the measured value, the limit it is held
// to, and whether it clears it. A metric the evaluation did not print is an error.
func (b Bar) Check(metrics map[string]float64) (value, limit float64, ok bool, err error) {
	value, found := metrics[b.Metric]
	if !found {
		return 0, 0, false, fmt.Errorf("bar %s: the evaluation printed no %s", b, b.Metric)
	}
	limit = b.Value
	if b.Of != "" {
		of, found := metrics[b.Of]
		if !found {
			return value, 0, false, fmt.Errorf("bar %s: the evaluation printed no %s", b, b.Of)
		}
		limit = b.Value * of
	}
	switch b.Op {
	case "<=":
		ok = value <= limit
	case ">=":
		ok = value >= limit
	default:
		return value, limit, false, fmt.Errorf("bar %s: unknown comparison %q", b, b.Op)
	}
	return value, limit, ok, nil
}

// Derived adds the metrics bars are written in that the evaluation does not print
// itself: age_gap, how far apart the two age groups' mean ages are (a CycleGAN from
// young to old should shift its outputs by at least half of it).
func Derived(metrics map[string]float64) {
	in, okIn := metrics["age_input"]
	target, okT := metrics["age_target"]
	if okIn && okT {
		metrics["age_gap"] = target - in
	}
}

// fdBar is the Frechet distance within factor x its floor.
func fdBar(factor float64) Bar { return Bar{Metric: "fd", Op: "<=", Value: factor, Of: "fd_floor"} }

// Recipe is every course run, in course order. Budgets are laid out for one GPU call
// (about 8 minutes on an H200, CycleGAN's long run apart); on two CPU cores each is hours,
// trained in chunks (`genlab course train NAME --minutes 30` resumes exactly).
var Recipe = []Run{
	{Name: "vae-conv-mnist", Notebook: "02_vae", Model: "vae", Dataset: "mnist",
		Args: []string{"--arch", "conv", "--latent", "32"}, Steps: 60000, Seed: 1,
		Eval: []string{"--k", "100", "--n", "10000", "--probe-n", "0", "--fd-n", "10000"},
		// The bar is 87 nats; 86 (what the ELBO-trained conv VAEs of the literature reach)
		// stays the goal.
		Bars: []Bar{{Metric: "nll_iw", Op: "<=", Value: 87}}, Half: true, GPU: "100 s (600 steps/s)"},
	{Name: "dcgan-mnist", Notebook: "05_dcgan", Model: "gan", Dataset: "mnist", Steps: 20000, Seed: 1,
		Eval: []string{"--fd-n", "10000", "--probe-n", "0"}, Bars: []Bar{fdBar(4)},
		Look: "most samples read as digits, every digit drawn", Half: true, GPU: "40 s (530 steps/s)"},
	{Name: "cgan-mnist", Notebook: "05_dcgan", Model: "gan", Dataset: "mnist", Args: []string{"--conditional"},
		Steps: 20000, Seed: 1, Eval: []string{"--fd-n", "10000", "--probe-n", "0"}, Bars: []Bar{fdBar(2)},
		Look: "each row its digit", Half: true, GPU: "40 s"},
	{Name: "dcgan-utkface", Notebook: "06_wgan_faces", Model: "gan", Dataset: "utkface", Steps: 20000, Seed: 1,
		Eval: []string{"--fd-n", "10000", "--probe-n", "0"}, Bars: []Bar{fdBar(1.3)},
		Look: "faces, varied in age, skin tone and pose", Half: true, GPU: "40 s"},
	{Name: "progan-utkface", Notebook: "13_progan", Model: "progan", Dataset: "utkface",
		Args: []string{"--set", "FadeSteps=3000", "--set", "StableSteps=3000"}, Steps: 21000, Seed: 1,
		Eval: []string{"--fd-n", "10000", "--probe-n", "0"}, Bars: []Bar{fdBar(1.5)}, Half: true, GPU: "not measured"},
	{Name: "ddpm-mnist", Notebook: "12_diffusion", Model: "diffusion", Dataset: "mnist", Steps: 40000, Seed: 1,
		Eval: []string{"--fd-n", "2000", "--probe-n", "0"}, Bars: []Bar{fdBar(2)},
		Look: "samples a person reads as digits", Half: true, GPU: "not measured"},
	{Name: "flow-mnist", Notebook: "14_flow_matching", Model: "flow", Dataset: "mnist", Args: []string{"--conditional"}, Steps: 40000, Seed: 1,
		Eval: []string{"--fd-n", "2000", "--probe-n", "0"}, Bars: []Bar{fdBar(2)},
		Look: "samples a person reads as digits, each row its digit", Half: true, GPU: "not measured"},
	{Name: "pix2pix-maps", Notebook: "07_pix2pix", Model: "pix2pix", Dataset: "maps", Steps: 20000, Seed: 1,
		Bars: []Bar{{Metric: "sharpness", Op: ">=", Value: 0.75}, {Metric: "sharpness", Op: "<=", Value: 1.25}, fdBar(2)},
		Look: "roads drawn where the photo has them", Half: true, GPU: "115 s (176 steps/s)"},
	{Name: "cyclegan-maps", Notebook: "08_cyclegan", Model: "cyclegan", Dataset: "maps-unpaired",
		Args: []string{"--set", "HoldSteps=50000", "--set", "DecaySteps=50000"}, Steps: 100000, Seed: 1,
		Look: "water, parks and roads where the photo has them", Half: true, GPU: "55 min (31 steps/s): several calls"},
	{Name: "cyclegan-faces", Notebook: "08_cyclegan", Model: "cyclegan", Dataset: "utkface-age",
		Args: []string{"--set", "HoldSteps=10000", "--set", "DecaySteps=10000"}, Steps: 20000, Seed: 1,
		Bars: []Bar{{Metric: "age_shift", Op: ">=", Value: 0.5, Of: "age_gap"}}, Half: true, GPU: "11 min (31 steps/s)"},
	{Name: "pixelcnn-mnist", Notebook: "09_pixelcnn", Model: "pixelcnn", Dataset: "mnist", Steps: 20000, Seed: 1,
		Eval: []string{"--n", "10000", "--probe-n", "0"}, Bars: []Bar{{Metric: "nll", Op: "<=", Value: 86}}, GPU: "not measured"}, // 83 stays the goal
}

// Lookup returns the recipe's run called name.
func Lookup(name string) (Run, error) {
	for _, r := range Recipe {
		if r.Name == name {
			return r, nil
		}
	}
	names := make([]string, len(Recipe))
	for i, r := range Recipe {
		names[i] = r.Name
	}
	return Run{}, fmt.Errorf("course: no run %q in the recipe (runs: %s)", name, strings.Join(names, ", "))
}

// TrainArgs is the run's `genlab train` command line after "train", checkpointing into
// ckpt.
func (r Run) TrainArgs(ckpt string) []string {
	args := []string{r.Model, "--dataset", r.Dataset}
	args = append(args, r.Args...)
	return append(args, "--steps", fmt.Sprint(r.Steps), "--seed", fmt.Sprint(r.Seed), "--ckpt", ckpt)
}

// EvalArgs is the run's `genlab eval` command line after "eval", for the checkpoint in
// ckpt.
func (r Run) EvalArgs(ckpt string) []string {
	return append([]string{"--ckpt", ckpt, "--dataset", r.Dataset}, r.Eval...)
}
