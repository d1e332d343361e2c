package faces

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/genlab-go/genlab/datasets"
)

// FuzzParseLabels: no labels.csv panics the parser, and every row it accepts has a plain
// file name and labels in range.
func FuzzParseLabels(f *testing.F) {
	f.Add([]byte("file,age,gender,race\n1_0_0_1.jpg,1,0,0\n"))
	f.Add([]byte("file,age,gender,race\n39_1_20170116174525125.jpg,,,\n"))
	f.Add([]byte("file,age,gender,race\n../x.jpg,1,0,0\n"))
	if b, err := os.ReadFile(filepath.Join(datasets.Dir(""), Name, "labels.csv")); err == nil {
		f.Add(b[:min(len(b), 4096)])
		f.Add(b[:min(len(b), 333)])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := parseLabels(b)
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.file == "" || filepath.Base(r.file) != r.file {
				t.Fatalf("accepted file name %q", r.file)
			}
			if r.labelled && (r.age < 0 || r.age > MaxAge || int(r.gender) >= len(Genders) || int(r.race) >= len(Races) || r.gender < 0 || r.race < 0) {
				t.Fatalf("accepted labels %+v", r)
			}
		}
	})
}
