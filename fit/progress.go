package fit

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// progress draws a live bar on a terminal and plain report lines elsewhere: a notebook
// output or a CI log fills up with hundreds of carriage-return frames otherwise.
type progress struct {
	w          io.Writer
	live       bool
	start, end int
	until      time.Time // the run's time budget (zero: none)
	t0         time.Time
	last       time.Time
	tail       string // the last report's losses, kept on the bar between reports
}

func newProgress(w io.Writer, start, end int, until time.Time) *progress {
	p := &progress{w: w, start: start, end: end, until: until, t0: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.live = true
		}
	}
	return p
}

func (p *progress) tick(done int) {
	if p.w == nil || !p.live || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw(done, p.tail)
}

func (p *progress) draw(done int, tail string) {
	const width = 30
	frac := float64(done-p.start) / float64(max(p.end-p.start, 1))
	n := int(frac * width)
	el := time.Since(p.t0)
	eta := time.Duration(0)
	if frac > 0 {
		eta = time.Duration(float64(el) * (1 - frac) / frac)
	}
	if !p.until.IsZero() {
		eta = min(eta, max(time.Until(p.until), 0)) // a time budget ends the run first
	}
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d %s eta %s %s", strings.Repeat("=", n), strings.Repeat(" ", width-n),
		done, p.end, el.Round(time.Second), eta.Round(time.Second), tail)
}

func (p *progress) report(done int, h *History, updates []Update) {
	if p.w == nil {
		return
	}
	var parts []string
	for _, u := range updates {
		r := h.Last(u.Name)
		s := fmt.Sprintf("%s=%.4g", key(u.Name, "loss"), r.Loss)
		names := make([]string, 0, len(r.Metrics))
		for k := range r.Metrics {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			s += fmt.Sprintf(" %s=%.4g", key(u.Name, k), r.Metrics[k])
		}
		parts = append(parts, s)
	}
	line := strings.Join(parts, " ")
	if p.live {
		p.tail = line + "\x1b[K"
		p.draw(done, p.tail)
		return
	}
	rate := float64(done-p.start) / max(time.Since(p.t0).Seconds(), 1e-9)
	fmt.Fprintf(p.w, "step %d/%d (%.1f steps/s) %s\n", done, p.end, rate, line)
}

func key(update, name string) string {
	if update == "" {
		return name
	}
	return update + "/" + name
}

func (p *progress) finish(h *History) {
	if p.w == nil {
		return
	}
	if h.EndStep == h.StartStep {
		// A finished run resumed (a notebook cell run again): say so, not "0 steps/s".
		fmt.Fprintf(p.w, "fit: the checkpoint is at step %d (asked for %d): nothing to train\n", h.EndStep, p.end)
		return
	}
	if p.live {
		fmt.Fprintln(p.w)
	}
	fmt.Fprintf(p.w, "fit: %s in %s (%.2f steps/s)\n", StepCount(h.EndStep-h.StartStep), h.Wall.Round(time.Millisecond), h.StepsPerS)
}

// StepCount says n steps in words: "1 step", "12 steps".
func StepCount(n int) string {
	if n == 1 {
		return "1 step"
	}
	return fmt.Sprintf("%d steps", n)
}
