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
	f32 := fset.Bool("float32", false, "export: ship float32 weights even where the recipe says float16 (to measure what float16 costs)")
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
		picked[i].Half = picked[i].Half && !*f32
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
