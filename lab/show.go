package lab

import (
	"fmt"
	"image"
	"os"

	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
)

// InNotebook reports whether the code runs inside a GoNB notebook cell.
func InNotebook() bool { return gonbui.IsNotebook }

// Show displays an image.Image or a *plot.Plot inline in a GoNB notebook, as PNG, and a
// *Slider as HTML; outside a notebook it does nothing and returns nil. It returns an
// error for other types.
func Show(x any) error {
	var png []byte
	var err error
	switch v := x.(type) {
	case *Slider:
		if InNotebook() {
			gonbui.DisplayHTML(v.HTML())
		}
		return nil
	case image.Image:
		png, err = EncodePNG(v)
	case *plot.Plot:
		png, err = PlotPNG(v)
	default:
		return fmt.Errorf("lab.Show: cannot display %T", x)
	}
	if err != nil {
		return err
	}
	if InNotebook() {
		gonbui.DisplayPNG(png)
	}
	return nil
}

// MustShow is Show for notebook cells: it prints an error instead of returning it.
func MustShow(x any) {
	if err := Show(x); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

// Markdown displays text as Markdown in a notebook, or prints it elsewhere.
func Markdown(text string) {
	if InNotebook() {
		gonbui.DisplayMarkdown(text)
		return
	}
	fmt.Println(text)
}
