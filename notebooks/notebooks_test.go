package notebooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/genlab-go/genlab/course"
	"github.com/genlab-go/genlab/internal/testenv"
)

// notebook is the part of the .ipynb format the tests read.
type notebook struct {
	Cells    []cell `json:"cells"`
	Metadata struct {
		Kernelspec struct {
			Name string `json:"name"`
		} `json:"kernelspec"`
	} `json:"metadata"`
}

type cell struct {
	CellType       string   `json:"cell_type"`
	Source         []string `json:"source"`
	ExecutionCount *int     `json:"execution_count"`
	Outputs        []output `json:"outputs"`
}

type output struct {
	OutputType string          `json:"output_type"`
	Name       string          `json:"name"`  // stream: stdout or stderr
	Text       json.RawMessage `json:"text"`  // stream: a string or a list of lines
	Ename      string          `json:"ename"` // error
	Evalue     string          `json:"evalue"`
	Data       map[string]any  `json:"data"` // display_data
}

func (o output) text() string {
	var s string
	if json.Unmarshal(o.Text, &s) == nil {
		return s
	}
	var lines []string
	_ = json.Unmarshal(o.Text, &lines)
	return strings.Join(lines, "")
}

func readNotebook(t *testing.T, path string) notebook {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb notebook
	if err := json.Unmarshal(raw, &nb); err != nil {
		t.Fatalf("%s: not a notebook: %v", path, err)
	}
	return nb
}

func notebooks(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(testenv.Root(t), "notebooks", "*.ipynb"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no notebooks found: %v", err)
	}
	return paths
}

// Notebooks are committed clean: no outputs, no execution counts, the GoNB kernel, and
// the module setup cell first (without it GoNB cannot resolve genlab's imports).
func TestNotebooksCommittedWithoutOutputs(t *testing.T) {
	for _, path := range notebooks(t) {
		nb := readNotebook(t, path)
		name := filepath.Base(path)
		if nb.Metadata.Kernelspec.Name != "gonb" {
			t.Errorf("%s: kernel %q, want gonb", name, nb.Metadata.Kernelspec.Name)
		}
		first := true
		for i, c := range nb.Cells {
			if c.CellType != "code" {
				continue
			}
			if len(c.Outputs) > 0 || c.ExecutionCount != nil {
				t.Errorf("%s: cell %d has outputs: clear them before committing", name, i)
			}
			if first && !strings.Contains(strings.Join(c.Source, ""), "gonb_module.sh") {
				t.Errorf("%s: the first code cell must run gonb_module.sh", name)
			}
			first = false
		}
	}
}

// TestNotebooksExecute runs every notebook headless with the GoNB kernel in smoke mode
// ($GENLAB_SMOKE shrinks every training budget) and fails on any error in the executed
// outputs: a compile error, a panic, a non-zero exit, anything on stderr. nbconvert's
// exit code is not enough: it is 0 when a GoNB cell only wrote to stderr. It also
// measures the peak resident memory of the notebook's processes (Jupyter, the kernel,
// the cell being run) and fails above the 2 GiB a learner's laptop can give.
//
// With $GENLAB_NOTEBOOK_FULL=1 it runs the notebooks at their full budgets instead
// (hours on 2 cores): what the README's times and peaks come from, e.g.
// GENLAB_NOTEBOOK_FULL=1 go test -v -timeout 0 -run TestNotebooksExecute/02 ./notebooks.
// The runs such a run leaves in $GENLAB_NOTEBOOK_OUT/runs are the course's checkpoints.
// With $GENLAB_NOTEBOOK_CHECKPOINTS=DIR it runs them in lecture mode: full budgets, the
// runs folder seeded from DIR first (scripts/seed-runs.sh), as the course image does.
//
// Last, it renders the notebooks it executed as the course's HTML pages
// (scripts/course.sh --executed) and opens the index and a notebook's page in headless
// Chromium: every figure must decode and draw.
//
// It needs Jupyter and the GoNB kernel (scripts/setup.sh installs both); without them it
// fails (see testenv.Missing).
func TestNotebooksExecute(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: notebooks not executed")
	}
	jupyter := jupyterWithGoNB(t)
	dataDir := testenv.DataDir(t, "mnist")
	// $GENLAB_NOTEBOOK_OUT keeps the executed notebooks (and their runs) for a look.
	out := os.Getenv("GENLAB_NOTEBOOK_OUT")
	if out == "" {
		out = t.TempDir()
	}
	// A cell that runs past the timeout fails the notebook: in smoke mode a hang, at full
	// budget only a very slow machine (notebook 05's DCGAN cell took over 30 minutes on
	// two cores shared with other training).
	smoke, cellTimeout, mode := "1", "1800", "smoke"
	if os.Getenv("GENLAB_NOTEBOOK_FULL") != "" {
		smoke, cellTimeout, mode = "0", "14400", "full"
	}
	if ckpts := os.Getenv("GENLAB_NOTEBOOK_CHECKPOINTS"); ckpts != "" {
		smoke, cellTimeout, mode = "0", "14400", "lecture"
		seed := exec.Command("bash", filepath.Join(testenv.Root(t), "scripts", "seed-runs.sh"), ckpts, filepath.Join(out, "runs"))
		if raw, err := seed.CombinedOutput(); err != nil {
			t.Fatalf("seeding the runs from %s: %v\n%s", ckpts, err, raw)
		} else {
			t.Logf("lecture mode: %s", bytes.TrimSpace(raw))
		}
	}
	executed := 0
	defer func() {
		if executed > 0 && !t.Failed() {
			checkRenderedCourse(t, out)
		}
	}()
	for _, path := range notebooks(t) {
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".ipynb"), func(t *testing.T) {
			start := time.Now()
			nb, images, peakMiB := execute(t, jupyter, path, out, cellTimeout, "GENLAB_SMOKE="+smoke, "GENLAB_DATA="+dataDir)
			// Every notebook builds against the patched backend (gonb_module.sh makes the
			// checkout's relative replace absolute), and notebook 00 asks the backend itself.
			setup := slices.IndexFunc(nb.Cells, func(c cell) bool { return c.CellType == "code" })
			if want := "the patched pure-Go backend"; !strings.Contains(cellText(nb, setup), want) {
				t.Errorf("%s: the setup cell does not say %q:\n%s", name, want, cellText(nb, setup))
			}
			if want := "backend build: patched pure-Go backend"; name == "00_setup.ipynb" && !strings.Contains(notebookText(nb), want) {
				t.Errorf("%s: no %q line: the kernel's cells do not run the patched backend", name, want)
			}
			// Every shipped course run is shown by its notebook, beside the learner's.
			for _, r := range course.Recipe {
				if _, _, err := course.Open(course.Dir(), r.Name); err == nil && r.Notebook+".ipynb" == name &&
					!strings.Contains(notebookText(nb), "the course run "+r.Name+":") {
					t.Errorf("%s does not show the shipped course run %s", name, r.Name)
				}
			}
			t.Logf("[measured] %s (%s mode): %d figures, %s, peak memory %d MiB", name, mode, images, time.Since(start).Round(time.Second), peakMiB)
			executed++
		})
	}
}

// TestNotebookWithoutCourseRuns: a notebook that shows a course run beside the
// learner's (06) runs without it too (GENLAB_COURSE=off, as where the course folder is
// missing), saying so and showing the learner's run alone.
func TestNotebookWithoutCourseRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: notebooks not executed")
	}
	jupyter := jupyterWithGoNB(t)
	dataDir := testenv.DataDir(t, "mnist")
	path := filepath.Join(testenv.Root(t), "notebooks", "06_wgan_faces.ipynb")
	nb, _, _ := execute(t, jupyter, path, t.TempDir(), "1800", "GENLAB_SMOKE=1", "GENLAB_DATA="+dataDir, "GENLAB_COURSE=off")
	if text := notebookText(nb); !strings.Contains(text, "no course run dcgan-utkface here") {
		t.Errorf("06 without course runs does not say so:\n%s", tail(text, 2000))
	}
}

// jupyterWithGoNB is the jupyter command, with the GoNB kernel installed.
func jupyterWithGoNB(t *testing.T) string {
	jupyter, err := exec.LookPath("jupyter")
	if err == nil {
		var out []byte
		out, err = exec.Command(jupyter, "kernelspec", "list").Output()
		if err == nil && !strings.Contains(string(out), "gonb") {
			err = fmt.Errorf("the gonb kernel is not installed")
		}
	}
	if err != nil {
		testenv.Missing(t, fmt.Sprintf("jupyter with the GoNB kernel is needed (run scripts/setup.sh): %v", err))
	}
	return jupyter
}

// execute runs the notebook at path headless into out with env, and fails t on
// anything a reader would see go wrong in its outputs (an error, stderr, a cell that
// did not run, no figure, memory over budget). It returns the executed notebook, its
// figures and its peak resident memory.
func execute(t *testing.T, jupyter, path, out, cellTimeout string, env ...string) (notebook, int, int) {
	t.Helper()
	name := filepath.Base(path)
	cmd := exec.Command(jupyter, "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
		"--ExecutePreprocessor.kernel_name=gonb", "--ExecutePreprocessor.timeout="+cellTimeout,
		"--output-dir", out, name)
	cmd.Dir = filepath.Dir(path)
	cmd.Env = append(append(os.Environ(), "GENLAB_RUNS="+filepath.Join(out, "runs"), "GENLAB_OFFLINE=1"), env...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	peak := watchMemory(cmd.Process.Pid)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("nbconvert %s: %v\n%s", name, err, tail(log.String(), 3000))
	}
	peakMiB := <-peak
	if peakMiB > memoryBudgetMiB {
		t.Errorf("%s peaked at %d MiB resident, over the %d MiB budget", name, peakMiB, memoryBudgetMiB)
	}
	nb := readNotebook(t, filepath.Join(out, name))
	images := 0
	for i, c := range nb.Cells {
		for _, o := range c.Outputs {
			switch {
			case o.OutputType == "error":
				t.Errorf("cell %d (%s): error %s: %s", i, firstLine(c.Source), o.Ename, o.Evalue)
			case o.OutputType == "stream" && o.Name == "stderr":
				t.Errorf("cell %d (%s) wrote to stderr:\n%s", i, firstLine(c.Source), tail(o.text(), 2000))
			case o.Data["image/png"] != nil || o.Data["image/svg+xml"] != nil:
				images++
			}
		}
		if c.CellType == "code" && c.ExecutionCount == nil {
			t.Errorf("cell %d (%s) did not run", i, firstLine(c.Source))
		}
	}
	if images == 0 {
		t.Errorf("%s displayed no figure", name)
	}
	return nb, images, peakMiB
}

// cellText is what cell i of an executed notebook printed.
func cellText(nb notebook, i int) string {
	if i >= len(nb.Cells) {
		return ""
	}
	var b strings.Builder
	for _, o := range nb.Cells[i].Outputs {
		b.WriteString(o.text())
	}
	return b.String()
}

// notebookText is what all cells of an executed notebook printed.
func notebookText(nb notebook) string {
	var b strings.Builder
	for i := range nb.Cells {
		b.WriteString(cellText(nb, i))
	}
	return b.String()
}

func firstLine(src []string) string {
	for _, l := range src {
		if l = strings.TrimSpace(l); l != "" && l != "%%" && !strings.HasPrefix(l, "import") {
			return l
		}
	}
	return ""
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// checkRenderedCourse renders the notebooks executed in dir (scripts/course.sh
// --executed) and opens the index and the last notebook's page in headless Chromium,
// with a probe that counts the page's images and those that decoded to a picture.
// It runs in the parent test, not as a subtest, so that a -run filter naming notebooks
// still renders them.
func checkRenderedCourse(t *testing.T, dir string) {
	html := filepath.Join(dir, "html")
	render := exec.Command("bash", filepath.Join(testenv.Root(t), "scripts", "course.sh"), "--executed", dir, html)
	if raw, err := render.CombinedOutput(); err != nil {
		t.Fatalf("scripts/course.sh --executed: %v\n%s", err, raw)
	}
	index := filepath.Join(html, "index.html")
	links := regexp.MustCompile(`href="([0-9]{2}_[a-z0-9_]+\.html)"`).FindAllStringSubmatch(readFile(t, index), -1)
	if len(links) == 0 {
		t.Fatalf("%s links no notebook page", index)
	}
	for _, l := range links {
		if _, err := os.Stat(filepath.Join(html, l[1])); err != nil {
			t.Errorf("the index links %s: %v", l[1], err)
		}
	}
	if n, ok := figuresDrawn(t, index); n != 0 || !ok {
		t.Errorf("the index page did not load in Chromium (images %d, probe ran %v)", n, ok)
	}
	page := filepath.Join(html, links[len(links)-1][1])
	n, ok := figuresDrawn(t, page)
	if !ok {
		t.Errorf("%s: some figures did not draw in Chromium", page)
	}
	if n == 0 {
		t.Errorf("%s: no figures in Chromium", page)
	}
	t.Logf("rendered %d pages; %s draws %d figures in Chromium", len(links), filepath.Base(page), n)
}

// figuresDrawn loads a copy of page with a probe script in headless Chromium and returns
// the number of images and whether the probe ran and every image decoded (naturalWidth
// above zero). The page's own scripts from a CDN (MathJax, require.js) may fail offline;
// the figures are inline PNGs and do not depend on them.
func figuresDrawn(t *testing.T, page string) (int, bool) {
	const probe = `<script>window.addEventListener("load", function () {
  var all = document.images.length, drawn = 0;
  for (var i = 0; i < all; i++) { if (document.images[i].complete && document.images[i].naturalWidth > 0) drawn++; }
  document.body.setAttribute("data-genlab-figures", all + "/" + drawn);
});</script>`
	src := readFile(t, page)
	i := strings.LastIndex(src, "</body>")
	if i < 0 {
		t.Fatalf("%s has no </body>", page)
	}
	probed := filepath.Join(t.TempDir(), filepath.Base(page))
	if err := os.WriteFile(probed, []byte(src[:i]+probe+src[i:]), 0o644); err != nil {
		t.Fatal(err)
	}
	raw := testenv.DumpDOM(t, probed)
	m := regexp.MustCompile(`data-genlab-figures="([0-9]+)/([0-9]+)"`).FindSubmatch(raw)
	if m == nil {
		return 0, false
	}
	all, drawn := atoi(t, string(m[1])), atoi(t, string(m[2]))
	return all, all == drawn
}

func readFile(t *testing.T, path string) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
