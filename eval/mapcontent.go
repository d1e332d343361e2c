package eval

import (
	"fmt"
	"math"
)

// What a map shows: a street map's pixels classified by its palette, and a translation
// scored by how much of what its target shows it shows in the same place. Pixel metrics
// (L1, SSIM) favour a blur that averages the palette's colours; this asks whether the
// roads, the water and the parks are drawn.

// MapClass is what a map's pixel shows.
type MapClass uint8

// The classes of the pix2pix maps' palette.
const (
	Land MapClass = iota
	Building
	Road
	Water
	Park
	MapClasses // how many
)

var mapClassNames = [MapClasses]string{"land", "building", "road", "water", "park"}

// String is the class's name: land, building, road, water or park.
func (c MapClass) String() string {
	if c < MapClasses {
		return mapClassNames[c]
	}
	return fmt.Sprintf("MapClass(%d)", c)
}

// MapPalette is the colours of the maps (in [0, 1]), as measured from the data: the
// mean colour of each of the most common bins (8 levels of 256 per channel) of the map
// halves of every fourth training pair (274 maps, 18 million pixels), named by what
// they draw. Land is the beige ground (233,229,222), 29% of the pixels with its close
// shades; buildings a lighter beige (244,242,235), 10%; roads white (254,254,252), 8%,
// with the highways' orange (252,157,36) and yellow (233,221,188); water blue
// (178,208,254), 13%; parks green (203,223,172), 7%. JPEG's noise moves a pixel a few
// levels; the nearest colours are 20 levels apart or more.
var MapPalette = []struct {
	Class MapClass
	RGB   [3]float64
}{
	{Land, [3]float64{233, 229, 222}},
	{Land, [3]float64{229, 227, 220}},
	{Building, [3]float64{244, 242, 235}},
	{Road, [3]float64{254, 254, 252}},
	{Road, [3]float64{252, 157, 36}},
	{Road, [3]float64{233, 221, 188}},
	{Water, [3]float64{178, 208, 254}},
	{Water, [3]float64{164, 197, 253}},
	{Park, [3]float64{203, 223, 172}},
	{Park, [3]float64{194, 218, 158}},
}

// ClassifyMap labels each pixel of an RGB map (h*w*3 values in [0, 1], row by row) by
// the nearest colour of MapPalette.
func ClassifyMap(pixels []float32) []MapClass {
	out := make([]MapClass, len(pixels)/3)
	for i := range out {
		r, g, b := 255*float64(pixels[3*i]), 255*float64(pixels[3*i+1]), 255*float64(pixels[3*i+2])
		best := math.Inf(1)
		for _, p := range MapPalette {
			d := (r-p.RGB[0])*(r-p.RGB[0]) + (g-p.RGB[1])*(g-p.RGB[1]) + (b-p.RGB[2])*(b-p.RGB[2])
			if d < best {
				best, out[i] = d, p.Class
			}
		}
	}
	return out
}

// MapScores compares the content of translated maps with their targets, pixel by pixel:
// for each class, the intersection over union of where each draws it, and the share of
// the target's pixels of the class that the translation draws as the class (Found: "roads
// found: 41% of road pixels"); Accuracy is the share of pixels of the same class, and
// Share each class's share of the targets' pixels. A class the targets and translations
// never draw has IoU and Found NaN.
type MapScores struct {
	IoU, Found, Share [MapClasses]float64
	Accuracy          float64
}

// MapContent scores translated maps against their targets (RGB images in [0, 1] of
// the same size, as many values in each).
func MapContent(translated, target []float32) (MapScores, error) {
	var s MapScores
	if len(translated) != len(target) || len(target) == 0 || len(target)%3 != 0 {
		return s, fmt.Errorf("eval: map content: %d translated and %d target values (RGB, as many)", len(translated), len(target))
	}
	a, b := ClassifyMap(translated), ClassifyMap(target)
	var inter, union, truth [MapClasses]int
	same := 0
	for i := range a {
		truth[b[i]]++
		if a[i] == b[i] {
			same++
			inter[a[i]]++
			union[a[i]]++
		} else {
			union[a[i]]++
			union[b[i]]++
		}
	}
	for c := range MapClasses {
		s.IoU[c], s.Found[c] = math.NaN(), math.NaN()
		if union[c] > 0 {
			s.IoU[c] = float64(inter[c]) / float64(union[c])
		}
		if truth[c] > 0 {
			s.Found[c] = float64(inter[c]) / float64(truth[c])
		}
		s.Share[c] = float64(truth[c]) / float64(len(b))
	}
	s.Accuracy = float64(same) / float64(len(b))
	return s, nil
}
