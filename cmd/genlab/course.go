package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/genlab-go/genlab/course"
)

// cmdCourse is `genlab course VERB [NAME...] [flags]`: the course runs of the recipe
// (package course), trained, exported, checked against their bars and installed.
func cmdCourse(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: course: which verb? genlab course list|train|export|check|install [NAME...] [flags]", errUsage)
	}
	verb, args := args[0], args[1:]
	var c common
	fset := c.flags("course " + verb)
	dir := fset.String("course", course.Dir(), "the course directory of shipped runs (default $GENLAB_COURSE, else the checkout's course/runs)")
	runs := fset.String("runs", filepath.Join("runs", "course"), "where course runs train (one checkpoint folder per run)")
	minutes := fset.Float64("minutes", 0, "train: a time budget per run: stop at the first step after it, with a checkpoint (the same command resumes)")
	steps := fset.Int("steps", 0, "train: stop at this step instead of the recipe's (its schedules keep the recipe's budget; for tests and previews)")
	machine := fset.String("machine", "", "export: where the run trained, for the manifest (e.g. \"1 core of an AMD EPYC, pure-Go backend\")")
	note := fset.String("note", "", "export: a note for the manifest (e.g. a warm start and from what)")
	force := fset.Bool("force", false, "export: write the run even if it falls short of its bars or of the shipped run")
	evalExtra := fset.String("eval", "", "export, check: more genlab eval flags after the recipe's, which they override (e.g. \"--fd-n 500\" for a preview; the manifest records them)")
	recorded := fset.Bool("recorded", false, "check: read the metrics the manifests recorded instead of measuring the shipped weights again")
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
	picked, err := pickRuns(names, verb == "train" || verb == "export")
	if err != nil {
		return err
	}
	fwd := c.forward()
	extra := strings.Fields(*evalExtra)
	for i := range picked {
		picked[i].Eval = append(slices.Clone(picked[i].Eval), extra...)
	}
	switch verb {
	case "list":
		return courseList(out, *dir, picked)
	case "train":
		for _, r := range picked {
			a := append([]string{"train"}, r.TrainArgs(filepath.Join(*runs, r.Name))...)
			if *minutes > 0 {
				a = append(a, "--minutes", fmt.Sprint(*minutes))
			}
			if *steps > 0 {
				a = stopAt(a, *steps)
			}
			fmt.Fprintf(out, "# course train %s: genlab %s\n", r.Name, strings.Join(a, " "))
			if err := run(ctx, append(a, fwd...), out); err != nil {
				return fmt.Errorf("course train %s: %w", r.Name, err)
			}
		}
		return nil
	case "export":
		for _, r := range picked {
			if err := courseExport(ctx, out, r, filepath.Join(*runs, r.Name), *dir, *machine, *note, *force, fwd); err != nil {
				return fmt.Errorf("course export %s: %w", r.Name, err)
			}
		}
		return nil
	case "check":
		return courseCheck(ctx, out, *dir, picked, *recorded, fwd)
	case "install":
		for _, r := range picked {
			m, err := course.Installed(*dir, r.Name, filepath.Join(*runs, r.Name))
			if errors.Is(err, course.ErrNotShipped) {
				fmt.Fprintf(out, "# %s: not shipped\n", r.Name)
				continue
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "# %s: installed in %s (%d steps, %s)\n", r.Name, filepath.Join(*runs, r.Name), m.Steps, m.DType)
		}
		return nil
	}
	return fmt.Errorf("%w: course: unknown verb %q (list, train, export, check, install)", errUsage, verb)
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
			status = fmt.Sprintf("shipped: %d steps, %.1f h on %s, %s", m.Steps, m.Hours(), m.Machine, m.DType)
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

// evalMetrics runs genlab eval on the run's checkpoint in ckpt, echoing its output to
// out, and returns its metric lines.
func evalMetrics(ctx context.Context, out io.Writer, r course.Run, ckpt string, fwd []string) (map[string]float64, error) {
	var buf bytes.Buffer
	args := append(append([]string{"eval"}, r.EvalArgs(ckpt)...), fwd...)
	fmt.Fprintf(out, "# genlab %s\n", strings.Join(args, " "))
	if err := run(ctx, args, io.MultiWriter(out, &buf)); err != nil {
		return nil, err
	}
	m := parseMetrics(&buf)
	course.Derived(m)
	return m, nil
}

// parseMetrics reads `metric NAME=VALUE` lines.
func parseMetrics(r io.Reader) map[string]float64 {
	m := map[string]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, value, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "metric "), "=")
		if !ok || !strings.HasPrefix(sc.Text(), "metric ") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			m[name] = v
		}
	}
	return m
}

// clears checks metrics against r's bars, printing a line per bar, and reports
// whether all clear.
func clears(out io.Writer, r course.Run, metrics map[string]float64) (bool, error) {
	all := true
	for _, b := range r.Bars {
		v, limit, ok, err := b.Check(metrics)
		if err != nil {
			return false, err
		}
		verdict := "clears"
		if !ok {
			verdict, all = "SHORT", false
		}
		fmt.Fprintf(out, "course %s %s=%.4g bar %s (%.4g): %s\n", r.Name, b.Metric, v, b, limit, verdict)
	}
	if r.Look != "" {
		fmt.Fprintf(out, "course %s look: %s (a person checks the figure)\n", r.Name, r.Look)
	}
	return all, nil
}

func courseExport(ctx context.Context, out io.Writer, r course.Run, ckpt, dir, machine, note string, force bool, fwd []string) error {
	if dir == "" {
		return fmt.Errorf("no course directory: give --course DIR")
	}
	if machine == "" {
		return fmt.Errorf("give --machine: where the run trained, for its manifest")
	}
	// The metrics are measured on the weights as shipped (float16 where the recipe says
	// so), installed from a first export into a scratch folder.
	scratch, err := os.MkdirTemp("", "genlab-course-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	if _, err := course.Export(ckpt, scratch, r, nil, machine, note); err != nil {
		return err
	}
	inst := filepath.Join(scratch, "installed")
	if _, err := course.Install(scratch, r.Name, inst); err != nil {
		return err
	}
	metrics, err := evalMetrics(ctx, out, r, inst, fwd)
	if err != nil {
		return err
	}
	ok, err := clears(out, r, metrics)
	if err != nil {
		return err
	}
	if prev, _, err := course.Open(dir, r.Name); err == nil && len(r.Bars) > 0 && !force {
		b := r.Bars[0]
		better := (b.Op == "<=" && metrics[b.Metric] < prev.Metrics[b.Metric]) || (b.Op == ">=" && metrics[b.Metric] > prev.Metrics[b.Metric])
		if !better {
			return fmt.Errorf("the shipped run has %s=%.4g and this one %.4g: not replaced (--force replaces it)", b.Metric, prev.Metrics[b.Metric], metrics[b.Metric])
		}
	}
	if !ok && !force {
		return fmt.Errorf("falls short of its bars: not exported (--force ships it anyway, say why in --note)")
	}
	m, err := course.Export(ckpt, dir, r, metrics, machine, note)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "course %s: exported %d steps (%.1f h of training) to %s, %s\n", r.Name, m.Steps, m.Hours(), filepath.Join(dir, r.Name), m.DType)
	return nil
}

func courseCheck(ctx context.Context, out io.Writer, dir string, runs []course.Run, recorded bool, fwd []string) error {
	var short, missing []string
	cleared := 0
	for _, r := range runs {
		m, _, err := course.Open(dir, r.Name)
		if errors.Is(err, course.ErrNotShipped) {
			fmt.Fprintf(out, "course %s: not shipped\n", r.Name)
			missing = append(missing, r.Name)
			continue
		}
		if err != nil {
			return err
		}
		metrics := m.Metrics
		course.Derived(metrics)
		if !recorded {
			tmp, err := os.MkdirTemp("", "genlab-course-check-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			inst := filepath.Join(tmp, r.Name)
			if _, err := course.Install(dir, r.Name, inst); err != nil {
				return err
			}
			if metrics, err = evalMetrics(ctx, out, r, inst, fwd); err != nil {
				return err
			}
		}
		ok, err := clears(out, r, metrics)
		if err != nil {
			return err
		}
		if ok {
			cleared++
		} else {
			short = append(short, r.Name)
		}
	}
	fmt.Fprintf(out, "course check: %d of %d runs shipped and at their bars; short: [%s]; not shipped: [%s]\n",
		cleared, len(runs), strings.Join(short, " "), strings.Join(missing, " "))
	if len(short) > 0 {
		return fmt.Errorf("course check: %d shipped runs fall short of their bars: %s", len(short), strings.Join(short, ", "))
	}
	return nil
}
