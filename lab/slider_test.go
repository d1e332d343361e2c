package lab

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/internal/testenv"
)

// sliderPixels is rows x positions grey 2x2 images, each a uniform grey that names it,
// so that every frame's PNG differs.
func sliderPixels(rows, positions int) []float32 {
	var px []float32
	for k := range rows * positions {
		for range 4 {
			px = append(px, float32(k+1)/float32(rows*positions+1))
		}
	}
	return px
}

func TestNewSlider(t *testing.T) {
	s, err := NewSlider("traversal", []string{"z0", "z1"}, []string{"-1", "0", "1"}, sliderPixels(2, 3), 2, 2, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Frames) != 2 || len(s.Frames[0]) != 3 || len(s.Frames[1]) != 3 {
		t.Fatalf("frames %d rows, want 2 x 3", len(s.Frames))
	}
	// Row-major: frame (1, 0) is image 3 of the pixels.
	want, err := EncodePNG(Grid(sliderPixels(2, 3)[3*4:4*4], 1, 2, 2, 1, 1, 4))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.Frames[1][0], want) {
		t.Error("frame (row 1, position 0) is not image 3")
	}
	html := s.HTML()
	if n := strings.Count(html, "data:image/png;base64,"); n != 2*3+1 { // the frames and the first shown
		t.Errorf("%d embedded PNGs, want 7", n)
	}
	if !strings.Contains(html, "<select") || !strings.Contains(html, `type="range"`) {
		t.Error("two rows need a menu and a slider")
	}
	one, err := NewSlider("path", []string{"lerp"}, []string{"0", "1"}, sliderPixels(1, 2), 2, 2, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(one.HTML(), "<select") {
		t.Error("one row needs no menu")
	}
	if _, err := NewSlider("bad", []string{"z0"}, []string{"0", "1"}, sliderPixels(1, 1), 2, 2, 1, 1); err == nil {
		t.Error("pixels for 1 image, 2 positions: no error")
	}
	if _, err := NewSlider("empty", nil, []string{"0"}, nil, 2, 2, 1, 1); err == nil {
		t.Error("no rows: no error")
	}
}

// The slider moves in a browser: a probe script moves it and picks another row, and
// records which frame the image shows after each move.
func TestSliderMovesInABrowser(t *testing.T) {
	s, err := NewSlider("traversal", []string{"z0", "z1"}, []string{"-1", "0", "1"}, sliderPixels(2, 3), 2, 2, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	const probe = `<script>window.addEventListener("load", function () {
  var pos = document.querySelector("input[type=range]"), row = document.querySelector("select");
  var img = document.querySelector(".genlab-slider img"), label = document.querySelector(".genlab-slider span");
  var seen = [img.src];
  pos.value = 0; pos.dispatchEvent(new Event("input")); seen.push(img.src + "|" + label.textContent);
  row.selectedIndex = 1; row.dispatchEvent(new Event("change")); seen.push(img.src + "|" + label.textContent);
  pos.value = 2; pos.dispatchEvent(new Event("input")); seen.push(img.src + "|" + label.textContent);
  document.body.setAttribute("data-seen", seen.join(" "));
});</script>`
	page := filepath.Join(t.TempDir(), "slider.html")
	if err := os.WriteFile(page, []byte("<html><body>"+s.HTML()+probe+"</body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`data-seen="([^"]*)"`).FindSubmatch(testenv.DumpDOM(t, page))
	if m == nil {
		t.Fatal("the probe did not run")
	}
	uri := func(r, p int) string {
		return "data:image/png;base64," + base64.StdEncoding.EncodeToString(s.Frames[r][p])
	}
	want := []string{uri(0, 1), uri(0, 0) + "|-1", uri(1, 0) + "|-1", uri(1, 2) + "|1"}
	got := strings.Fields(string(m[1]))
	if len(got) != len(want) {
		t.Fatalf("the probe saw %d states, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("state %d: the page shows another frame than expected", i)
		}
	}
}
