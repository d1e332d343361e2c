package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/genlab-go/genlab/course"
	"github.com/genlab-go/genlab/fit"
)

// cmdCourse is `genlab course VERB [NAME...] [flags]`: the course runs of the recipe
// (package course), trained in the durable training home, measured, exported when they
// improve (the ratchet), checked against their bars, and installed.
func cmdCourse(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: course: which verb? genlab course %s [NAME...] [flags]", errUsage, courseVerbs)
	}
	verb, args := args[0], args[1:]
	var c common
	fset := c.flags("course " + verb)
	o := courseOpts{}
	fset.StringVar(&o.dir, "course", course.Dir(), "the course directory of shipped runs (default $GENLAB_COURSE, else the checkout's course/runs)")
	fset.StringVar(&o.home, "home", "", "the training home: one checkpoint folder per run, outside the checkout (default $"+course.HomeEnv+", else genlab/course in the user's cache directory)")
	fset.StringVar(&o.to, "to", filepath.Join("runs", "course"), "install: where the shipped runs are installed as checkpoints (one folder per run)")
	minutes := fset.Float64("minutes", 0, "train: a time budget per run: stop at the first step after it, with a checkpoint (the same command resumes)")
	steps := fset.Int("steps", 0, "train: stop at this step instead of the recipe's (past it: train on from a run at the recipe's budget)")
	fset.StringVar(&o.machine, "machine", "", "export: where the run trained, for the manifest (e.g. \"1 core of an AMD EPYC, pure-Go backend\")")
	fset.StringVar(&o.note, "note", "", "export: a note for the manifest")
	fset.BoolVar(&o.force, "force", false, "export: ship the run even if it is not better than the shipped one by more than the noise")
	fset.IntVar(&o.seeds, "seeds", 3, "export, measure: sampling seeds to measure with (the metrics are seed 1's; their spread over the seeds is the noise)")
	evalExtra := fset.String("eval", "", "export, measure, check: more genlab eval flags after the recipe's, which they override (e.g. \"--fd-n 1000\" for a preview; recorded with the metrics)")
	f32 := fset.Bool("float32", false, "export, measure: float32 weights even where the recipe says float16 (to measure what float16 costs)")
	fset.BoolVar(&o.recorded, "recorded", false, "check: read the metrics the manifests recorded instead of measuring the shipped weights again")
	// Names may come before the flags (genlab course train dcgan-mnist --minutes 30).
	var names []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		names, args = append(names, args[0]), args[1:]
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errFlags, err)
	}
	names = append(names, fset.Args()...)
	if err := c.parse(fset, nil); err != nil {
		return err
	}
	defer c.stop()
	if o.seeds < 1 {
		return fmt.Errorf("%w: course: --seeds %d: at least 1", errUsage, o.seeds)
	}
	acts := verb == "train" || verb == "export" || verb == "measure"
	picked, err := pickRuns(names, acts)
	if err != nil {
		return err
	}
	if o.home == "" && (acts || verb == "status") {
		if o.home, err = course.Home(); err != nil {
			return err
		}
	}
	o.fwd = c.forward()
	extra := strings.Fields(*evalExtra)
	for i := range picked {
		picked[i].Eval = append(slices.Clone(picked[i].Eval), extra...)
		picked[i].Half = picked[i].Half && !*f32
	}
	switch verb {
	case "list":
		return courseList(out, o.dir, picked)
	case "status":
		return courseStatus(out, o, picked)
	case "train":
		for _, r := range picked {
			if err := courseTrain(ctx, out, o, r, *steps, *minutes); err != nil {
				return fmt.Errorf("course train %s: %w", r.Name, err)
			}
		}
		return nil
	case "export", "measure":
		for _, r := range picked {
			if err := courseExport(ctx, out, o, r, verb == "export"); err != nil {
				return fmt.Errorf("course %s %s: %w", verb, r.Name, err)
			}
		}
		return nil
	case "check":
		return courseCheck(ctx, out, o, picked)
	case "install":
		for _, r := range picked {
			if err := courseInstall(out, o, r); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%w: course: unknown verb %q (%s)", errUsage, verb, courseVerbs)
}

const courseVerbs = "list|status|train|measure|export|check|install"

// courseOpts is the flags the course verbs share.
type courseOpts struct {
	dir, home, to string // shipped runs, the training home, install's target
	machine, note string
	force         bool
	seeds         int
	recorded      bool
	fwd           []string // common flags for the train and eval they run
}

// courseTrain trains r in the training home: on from its checkpoint there, else from
// the shipped run's weights (a warm start), else from scratch.
func courseTrain(ctx context.Context, out io.Writer, o courseOpts, r course.Run, steps int, minutes float64) error {
	ckpt := filepath.Join(o.home, r.Name)
	fmt.Fprintf(out, "# course train %s: training home %s\n", r.Name, ckpt)
	if !fit.HasCheckpoint(ckpt) {
		m, err := course.WarmStartFrom(o.dir, r.Name, ckpt)
		switch {
		case errors.Is(err, course.ErrNotShipped):
			fmt.Fprintf(out, "# %s: no checkpoint in the training home and none shipped: from scratch\n", r.Name)
		case err != nil:
			return err // a damaged shipped run is never trained over
		default:
			fmt.Fprintf(out, "# %s: no checkpoint in the training home: a warm start from the shipped run (%s steps, %s; weights only, a fresh optimizer)\n",
				r.Name, course.Thousands(m.Steps), m.SHA256[course.WeightsFile][:12])
		}
	}
	a := append([]string{"train"}, r.TrainArgs(ckpt)...)
	target := r.Steps
	if steps > 0 {
		a, target = stopAt(a, steps), steps
	}
	if at, err := fit.CheckpointStep(ckpt); err == nil && at >= target {
		fmt.Fprintf(out, "# %s: at step %s, its budget of %s: nothing to train (--steps N trains on past it)\n", r.Name, course.Thousands(at), course.Thousands(target))
		return nil
	}
	if minutes > 0 {
		a = append(a, "--minutes", fmt.Sprint(minutes))
	}
	fmt.Fprintf(out, "# genlab %s\n", strings.Join(a, " "))
	return run(ctx, append(a, o.fwd...), out)
}

// courseInstall writes the shipped run r as a checkpoint under o.to, for genlab eval,
// sample and the notebooks; it never writes over a checkpoint that training made.
func courseInstall(out io.Writer, o courseOpts, r course.Run) error {
	dst := filepath.Join(o.to, r.Name)
	if meta, err := fit.ReadMeta(dst); err == nil && meta["course"] == "" {
		return fmt.Errorf("course install %s: %s holds a training checkpoint, not an installed course run: not replaced", r.Name, dst)
	}
	m, err := course.Installed(o.dir, r.Name, dst)
	if errors.Is(err, course.ErrNotShipped) {
		fmt.Fprintf(out, "# %s: not shipped\n", r.Name)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "# %s: installed in %s (%d steps, %s)\n", r.Name, dst, m.Steps, m.DType)
	return nil
}

// forward is the common flags to pass on to the train and eval a course verb runs.
func (c *common) forward() []string {
	var a []string
	if c.data != "" {
		a = append(a, "--data", c.data)
	}
	if c.backend != "" {
		a = append(a, "--backend", c.backend)
	}
	return a
}

// pickRuns is the recipe's runs named (all of them for none); a verb that acts on a
// checkpoint needs at least one name, so that a bare `course train` is not hours of
// work by accident.
func pickRuns(names []string, needNames bool) ([]course.Run, error) {
	if len(names) == 0 {
		if needNames {
			return nil, fmt.Errorf("%w: course: name the runs (or all): %s", errUsage, strings.Join(runNames(), " "))
		}
		return course.Recipe, nil
	}
	if len(names) == 1 && names[0] == "all" {
		return course.Recipe, nil
	}
	var picked []course.Run
	for _, n := range names {
		r, err := course.Lookup(n)
		if err != nil {
			return nil, err
		}
		picked = append(picked, r)
	}
	return picked, nil
}

func runNames() []string {
	var n []string
	for _, r := range course.Recipe {
		n = append(n, r.Name)
	}
	return n
}

// stopAt replaces the --steps of a train command line with n.
func stopAt(args []string, n int) []string {
	for i := range args {
		if args[i] == "--steps" && i+1 < len(args) {
			args[i+1] = strconv.Itoa(n)
		}
	}
	return args
}

func courseList(out io.Writer, dir string, runs []course.Run) error {
	fmt.Fprintf(out, "# course directory: %s\n", orNone(dir))
	for _, r := range runs {
		status := "not shipped"
		if m, _, err := course.Open(dir, r.Name); err == nil {
			_, standing := m.Standing()
			status = fmt.Sprintf("shipped (%s): %d steps, %.1f h on %s, %s", standing, m.Steps, m.Hours(), m.Machine, m.DType)
		} else if !errors.Is(err, course.ErrNotShipped) {
			status = "damaged: " + err.Error()
		}
		var bars []string
		for _, b := range r.Bars {
			bars = append(bars, b.String())
		}
		fmt.Fprintf(out, "%-16s %-14s %-10s %-14s steps %-7d bars [%s]  %s\n", r.Name, r.Notebook, r.Model, r.Dataset, r.Steps, strings.Join(bars, "; "), status)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
