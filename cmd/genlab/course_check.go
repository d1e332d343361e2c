package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/genlab-go/genlab/course"
	"github.com/genlab-go/genlab/fit"
)

// Course runs measured against their bars: genlab course export and check.

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

// measure evaluates the checkpoint in ckpt as r would ship it (float16 where the recipe
// says), once per sampling seed 1..seeds: the metrics are seed 1's (what `course check`
// measures again), the noise each metric's spread over the seeds.
func measure(ctx context.Context, out io.Writer, r course.Run, ckpt string, seeds int, fwd []string) (course.Measurement, error) {
	scratch, err := os.MkdirTemp("", "genlab-course-")
	if err != nil {
		return course.Measurement{}, err
	}
	defer os.RemoveAll(scratch)
	m, err := course.Export(ckpt, scratch, r, nil, "measured", "")
	if err != nil {
		return course.Measurement{}, err
	}
	inst := filepath.Join(scratch, "installed")
	if _, err := course.Install(scratch, r.Name, inst); err != nil {
		return course.Measurement{}, err
	}
	meas := course.Measurement{Step: m.Steps, Noise: map[string]float64{}, Seeds: seeds, Eval: r.Eval, Date: time.Now().UTC().Format("2006-01-02")}
	lo, hi := map[string]float64{}, map[string]float64{}
	for seed := 1; seed <= seeds; seed++ {
		rs := r
		rs.Eval = append(slices.Clone(r.Eval), "--seed", strconv.Itoa(seed))
		metrics, err := evalMetrics(ctx, out, rs, inst, fwd)
		if err != nil {
			return course.Measurement{}, err
		}
		if seed == 1 {
			meas.Metrics = metrics
		}
		for k, v := range metrics {
			if _, ok := lo[k]; !ok || v < lo[k] {
				lo[k] = v
			}
			if _, ok := hi[k]; !ok || v > hi[k] {
				hi[k] = v
			}
		}
	}
	if seeds > 1 {
		for k := range meas.Metrics {
			if strings.HasSuffix(k, "_seconds") || k == "peak_mib" {
				continue // the machine's noise, not the metric's
			}
			meas.Noise[k] = hi[k] - lo[k]
		}
	}
	return meas, nil
}

// courseExport measures the run in the training home, records the measurement in its
// ledger (the run's curve), and, for export, ships it when it improves on the shipped
// run by more than the noise (course.Replaces), at its bars or in progress towards them.
func courseExport(ctx context.Context, out io.Writer, o courseOpts, r course.Run, ship bool) error {
	ckpt := filepath.Join(o.home, r.Name)
	if !fit.HasCheckpoint(ckpt) {
		return fmt.Errorf("no checkpoint in the training home %s (genlab course train %s)", ckpt, r.Name)
	}
	if ship && o.dir == "" {
		return fmt.Errorf("no course directory: give --course DIR")
	}
	if ship && o.machine == "" {
		return fmt.Errorf("give --machine: where the run trained, for its manifest")
	}
	// Read the shipped run first: a damaged one is an error before minutes of evaluation.
	prev, _, err := course.Open(o.dir, r.Name)
	if errors.Is(err, course.ErrNotShipped) {
		prev = nil
	} else if err != nil {
		return err
	}
	meas, err := measure(ctx, out, r, ckpt, o.seeds, o.fwd)
	if err != nil {
		return err
	}
	l, err := course.ReadLedger(ckpt)
	if err != nil {
		return err
	}
	l.Add(meas)
	if err := l.Write(ckpt); err != nil {
		return err
	}
	if _, err := clears(out, r, meas.Metrics); err != nil {
		return err
	}
	for _, b := range r.Bars[:min(1, len(r.Bars))] {
		fmt.Fprintf(out, "course %s %s noise over %d seeds: %.3g\n", r.Name, b.Metric, meas.Seeds, meas.Noise[b.Metric])
	}
	if recipe, _ := course.Lookup(r.Name); !slices.Equal(recipe.Eval, r.Eval) {
		// A floor measured on fewer samples is biased upwards as much as the metric is:
		// a bar that clears here may not at the recipe's sample count.
		fmt.Fprintf(out, "course %s: a preview (eval flags %v beyond the recipe's): its bars bind only as the recipe measures them\n", r.Name, r.Eval[len(recipe.Eval):])
	}
	if !ship {
		return nil
	}
	better, why := course.Replaces(r, prev, meas, meas.Step)
	fmt.Fprintf(out, "course %s: %s steps: %s\n", r.Name, course.Thousands(meas.Step), why)
	if !better && !o.force {
		fmt.Fprintf(out, "course %s: not exported (the shipped run stays; --force replaces it)\n", r.Name)
		return nil
	}
	m, err := course.Export(ckpt, o.dir, r, &meas, o.machine, o.note)
	if err != nil {
		return err
	}
	_, standing := m.Standing()
	fmt.Fprintf(out, "course %s: exported %s steps (%.1f h of training, %s) to %s, %s\n", r.Name, course.Thousands(m.Steps), m.Hours(), standing, filepath.Join(o.dir, r.Name), m.DType)
	return nil
}

// courseCheck measures every shipped run again (or reads what its manifest recorded)
// against its bars. A run shipped at its bars must still clear them; a run shipped in
// progress is reported as such and is not a failure.
func courseCheck(ctx context.Context, out io.Writer, o courseOpts, runs []course.Run) error {
	var short, progress, missing []string
	cleared := 0
	for _, r := range runs {
		m, _, err := course.Open(o.dir, r.Name)
		if errors.Is(err, course.ErrNotShipped) {
			fmt.Fprintf(out, "course %s: not shipped\n", r.Name)
			missing = append(missing, r.Name)
			continue
		}
		if err != nil {
			return err
		}
		wasCleared, _ := m.Standing()
		metrics := m.Metrics
		course.Derived(metrics)
		if !o.recorded {
			tmp, err := os.MkdirTemp("", "genlab-course-check-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			inst := filepath.Join(tmp, r.Name)
			if _, err := course.Install(o.dir, r.Name, inst); err != nil {
				return err
			}
			if metrics, err = evalMetrics(ctx, out, r, inst, o.fwd); err != nil {
				return err
			}
		}
		ok, err := clears(out, r, metrics)
		if err != nil {
			return err
		}
		switch {
		case ok:
			cleared++
		case wasCleared:
			short = append(short, r.Name)
		default:
			_, standing := m.Standing()
			fmt.Fprintf(out, "course %s: shipped %s\n", r.Name, standing)
			progress = append(progress, r.Name)
		}
	}
	fmt.Fprintf(out, "course check: %d of %d runs shipped and at their bars; in progress: [%s]; short of bars they had cleared: [%s]; not shipped: [%s]\n",
		cleared, len(runs), strings.Join(progress, " "), strings.Join(short, " "), strings.Join(missing, " "))
	if len(short) > 0 {
		return fmt.Errorf("course check: %d shipped runs no longer clear their bars: %s", len(short), strings.Join(short, ", "))
	}
	return nil
}
