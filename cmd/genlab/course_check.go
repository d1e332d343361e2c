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
	"strconv"
	"strings"

	"github.com/genlab-go/genlab/course"
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
