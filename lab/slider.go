package lab

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"strings"
	"sync/atomic"
)

// Slider is an interactive figure: a slider picks which of a row of decoded images is
// shown (a latent dimension's value, an interpolation weight) and, with several rows,
// a menu picks the row (which dimension moves). Every frame is decoded when the
// figure is made and embedded as a PNG, with a few lines of script that swap them.
//
// Why not GoNB's widgets: their Done waits for the browser to answer, so a notebook
// executed headless (nbconvert, CI, the rendered course) would hang at the first
// slider, and a slider only moves while the cell's program runs. Frames embedded in the
// page need neither: the slider moves in Jupyter, in the course's HTML pages and after
// the kernel has stopped. Where scripts do not run, the middle frame of the first row
// stays shown: the fallback, beside the static grid of the same frames that the
// notebooks also draw.
type Slider struct {
	Title  string
	Rows   []string   // one name per row ("z3 (thickness)"); one row: no menu
	Labels []string   // the value at each slider position ("-2.5", "t = 0.3")
	Frames [][][]byte // [row][position] PNG
}

// NewSlider makes a Slider of len(rows) x len(labels) images of h x w x c pixels in
// [0, 1], row after row (the order of Traversal's codes and of a decoded path),
// magnified scale times.
func NewSlider(title string, rows, labels []string, pixels []float32, h, w, c, scale int) (*Slider, error) {
	n := len(rows) * len(labels)
	if n == 0 {
		return nil, fmt.Errorf("lab.NewSlider: %d rows x %d positions: nothing to show", len(rows), len(labels))
	}
	if len(pixels) != n*h*w*c {
		return nil, fmt.Errorf("lab.NewSlider: %d values for %d images of %dx%dx%d", len(pixels), n, h, w, c)
	}
	s := &Slider{Title: title, Rows: rows, Labels: labels, Frames: make([][][]byte, len(rows))}
	size := h * w * c
	for r := range rows {
		for p := range labels {
			k := r*len(labels) + p
			png, err := EncodePNG(Grid(pixels[k*size:(k+1)*size], 1, h, w, c, 1, scale))
			if err != nil {
				return nil, err
			}
			s.Frames[r] = append(s.Frames[r], png)
		}
	}
	return s, nil
}

// sliderID numbers sliders within a process; with the process id (each GoNB cell is a
// process of its own) it tells apart the sliders of one notebook page.
var sliderID atomic.Int64

// HTML is the figure as a self-contained HTML fragment (what Show displays).
func (s *Slider) HTML() string {
	uri := func(png []byte) string { return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png) }
	frames := make([][]string, len(s.Frames))
	for r, row := range s.Frames {
		for _, png := range row {
			frames[r] = append(frames[r], uri(png))
		}
	}
	framesJSON, _ := json.Marshal(frames) // strings only: cannot fail
	labelsJSON, _ := json.Marshal(s.Labels)
	id := fmt.Sprintf("genlab-slider-%d-%d", os.Getpid(), sliderID.Add(1))
	mid := len(s.Labels) / 2
	var b strings.Builder
	fmt.Fprintf(&b, `<div id="%s" class="genlab-slider" style="font-family:sans-serif">`, id)
	fmt.Fprintf(&b, `<div><b>%s</b></div><div>`, html.EscapeString(s.Title))
	if len(s.Rows) > 1 {
		fmt.Fprintf(&b, `<select id="%s-row">`, id)
		for _, r := range s.Rows {
			fmt.Fprintf(&b, `<option>%s</option>`, html.EscapeString(r))
		}
		b.WriteString(`</select> `)
	}
	fmt.Fprintf(&b, `<input type="range" id="%s-pos" min="0" max="%d" value="%d" style="vertical-align:middle"> `, id, len(s.Labels)-1, mid)
	fmt.Fprintf(&b, `<span id="%s-label">%s</span></div>`, id, html.EscapeString(s.Labels[mid]))
	fmt.Fprintf(&b, `<img id="%s-img" src="%s" alt="%s">`, id, frames[0][mid], html.EscapeString(s.Title))
	fmt.Fprintf(&b, `<script>(function () {
var frames = %s, labels = %s, id = %q;
var row = document.getElementById(id + "-row"), pos = document.getElementById(id + "-pos");
var img = document.getElementById(id + "-img"), label = document.getElementById(id + "-label");
function draw() { var r = row ? row.selectedIndex : 0, p = +pos.value; img.src = frames[r][p]; label.textContent = labels[p]; }
pos.addEventListener("input", draw);
if (row) row.addEventListener("change", draw);
})();</script></div>`, framesJSON, labelsJSON, id)
	return b.String()
}
