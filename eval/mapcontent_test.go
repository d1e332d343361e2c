package eval

import (
	"math"
	"testing"
)

func rgb(cs ...[3]float64) []float32 {
	var px []float32
	for _, c := range cs {
		px = append(px, float32(c[0]/255), float32(c[1]/255), float32(c[2]/255))
	}
	return px
}

// Every palette colour is its own class, and a few levels of JPEG noise do not move it.
func TestClassifyMapPalette(t *testing.T) {
	for _, p := range MapPalette {
		for _, d := range []float64{0, 4, -4} {
			c := p.RGB
			got := ClassifyMap(rgb([3]float64{min(c[0]+d, 255), min(c[1]+d, 255), c[2] - d/2}))[0]
			if got != p.Class {
				t.Errorf("%v%+g: %s, want %s", p.RGB, d, got, p.Class)
			}
		}
	}
}

// MapContent in closed form: target road, road, land, water against road, land, land,
// water: road IoU 1/2 (found 1/2), land 1/2 (found 1), water 1, building and park never
// drawn (NaN), accuracy 3/4; a map against itself scores 1 everywhere it draws.
func TestMapContentClosedForm(t *testing.T) {
	road, land, water := MapPalette[3].RGB, MapPalette[0].RGB, MapPalette[6].RGB
	s, err := MapContent(rgb(road, land, land, water), rgb(road, road, land, water))
	if err != nil {
		t.Fatal(err)
	}
	want := map[MapClass][2]float64{Road: {0.5, 0.5}, Land: {0.5, 1}, Water: {1, 1}}
	for c, w := range want {
		if s.IoU[c] != w[0] || s.Found[c] != w[1] {
			t.Errorf("%s: IoU %g found %g, want %g %g", c, s.IoU[c], s.Found[c], w[0], w[1])
		}
	}
	if !math.IsNaN(s.IoU[Building]) || !math.IsNaN(s.Found[Park]) || s.Accuracy != 0.75 || s.Share[Road] != 0.5 {
		t.Errorf("scores %+v", s)
	}
	same, _ := MapContent(rgb(road, land, water), rgb(road, land, water))
	if same.Accuracy != 1 || same.IoU[Road] != 1 || same.IoU[Water] != 1 {
		t.Errorf("a map against itself: %+v", same)
	}
	if _, err := MapContent(rgb(road), rgb(road, land)); err == nil {
		t.Error("maps of different sizes: no error")
	}
}
