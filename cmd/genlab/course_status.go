package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/genlab-go/genlab/course"
	"github.com/genlab-go/genlab/fit"
)

// courseStatus is `genlab course status`: a line per run, where it stands in the
// training home and in the course directory, its last measured metric against its bar,
// the core-hours spent and the core-hours left to the recipe's steps at its measured
// rate.
func courseStatus(out io.Writer, o courseOpts, runs []course.Run) error {
	fmt.Fprintf(out, "# training home: %s\n# course directory: %s\n", o.home, orNone(o.dir))
	for _, r := range runs {
		line, err := runStatus(o, r)
		if err != nil {
			line = "damaged: " + err.Error()
		}
		fmt.Fprintf(out, "%-16s %s\n", r.Name, line)
	}
	return nil
}

func runStatus(o courseOpts, r course.Run) (string, error) {
	ckpt := filepath.Join(o.home, r.Name)
	var parts []string
	home, cost := -1, course.Cost{}
	if at, err := fit.CheckpointStep(ckpt); err == nil {
		home = at
		if cost, err = course.CostOf(ckpt); err != nil {
			return "", err
		}
		parts = append(parts, "home "+course.Thousands(at))
	} else {
		parts = append(parts, "home -")
	}
	shipped, _, err := course.Open(o.dir, r.Name)
	switch {
	case errors.Is(err, course.ErrNotShipped):
		shipped = nil
		parts = append(parts, "shipped -")
	case err != nil:
		return "", err
	default:
		parts = append(parts, "shipped "+course.Thousands(shipped.Steps))
	}
	// The last measurement: the home's ledger, else the shipped manifest's.
	var metrics map[string]float64
	var at int
	var flags []string
	ledger, err := course.ReadLedger(ckpt)
	if err != nil {
		return "", err
	}
	if last := ledger.Last(); last != nil {
		metrics, at, flags = last.Metrics, last.Step, last.Eval
	} else if shipped != nil {
		metrics, at, flags = shipped.Metrics, shipped.Steps, shipped.Eval
	}
	if len(r.Bars) > 0 && metrics != nil {
		b := r.Bars[0]
		m := maps.Clone(metrics)
		course.Derived(m)
		v, limit, ok, err := b.Check(m)
		switch {
		case err != nil:
		case len(flags) > len(r.Eval) && slices.Equal(flags[:len(r.Eval)], r.Eval):
			// A preview's floor is biased as its metric is: no verdict.
			parts = append(parts, fmt.Sprintf("%s %.4g (a preview with %s; at %s)", b.Metric, v, strings.Join(flags[len(r.Eval):], " "), course.Thousands(at)))
		default:
			verdict := "short"
			if ok {
				verdict = "clears"
			}
			parts = append(parts, fmt.Sprintf("%s %.4g (bar %.4g, %s; at %s)", b.Metric, v, limit, verdict, course.Thousands(at)))
		}
	} else if len(r.Bars) > 0 {
		parts = append(parts, "not measured")
	}
	// Core-hours: the home's checkpoint records each process's time and cores; a
	// shipped run trained before they were recorded counts its manifest's wall time.
	spent := cost.CoreHours
	if cost.Untimed > 0 && shipped != nil && shipped.Steps > 0 {
		spent += shipped.Hours() * float64(min(cost.Untimed, shipped.Steps)) / float64(shipped.Steps)
	} else if home < 0 && shipped != nil {
		spent = shipped.Hours()
	}
	parts = append(parts, fmt.Sprintf("%.1f core-h spent", spent))
	done := max(home, 0)
	if shipped != nil && home < 0 {
		done = shipped.Steps
	}
	switch {
	case done >= r.Steps:
		parts = append(parts, fmt.Sprintf("recipe's %s steps trained", course.Thousands(r.Steps)))
	case cost.PerCoreS > 0:
		left := float64(r.Steps-done) / cost.PerCoreS / 3600
		parts = append(parts, fmt.Sprintf("%.1f core-h left to %s steps (%.2f steps per core-s)", left, course.Thousands(r.Steps), cost.PerCoreS))
	default:
		parts = append(parts, fmt.Sprintf("%s steps left (no measured rate)", course.Thousands(r.Steps-done)))
	}
	return strings.Join(parts, "  "), nil
}
