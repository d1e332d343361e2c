// Package faces loads UTKFace: aligned and cropped colour photos of faces, each labelled
// with age, gender and race. The course uses them for DCGAN on faces and, later, for
// debiasing a face classifier (the set is imbalanced on purpose: most faces are white).
//
// The data directory holds utkface/labels.csv (file,age,gender,race) and
// utkface/images/*.jpg (64x64 RGB JPEG). The copy genlab expects is pinned by two
// checksums: one of labels.csv and one of all image files' bytes in labels.csv order, so
// a missing, truncated or altered file is found before training starts. UTKFace is
// licensed for non-commercial research and education only and has no canonical
// download mirror: the folder is copied in by hand (see Hint).
package faces

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"strconv"

	"github.com/genlab-go/genlab/datasets"
)

// Name is the dataset's name and its folder in the data directory.
const Name = "utkface"

// Stored is the side of the stored images; Load resizes to any divisor of it.
const Stored = 64

// MaxAge bounds UTKFace's ages (0 to 116 years).
const MaxAge = 116

// Hint says where the folder comes from, for errors about a missing one.
const Hint = "UTKFace has no download mirror (non-commercial licence): copy the utkface folder " +
	"(labels.csv and images/, 64x64 JPEGs, from the UTKFace subset in github.com/bagashvilit/facial_recognition_bias, " +
	"resized from 200x200) into the data directory, or point $" + datasets.DirEnv + " (or --data) at one that has it"

// Genders and Races name the label values of labels.csv.
var (
	Genders = []string{"male", "female"}
	Races   = []string{"white", "black", "asian", "indian", "other"}
)

// FactorNames are the attributes every image carries in Images.Factors, in this order.
var FactorNames = []string{"age", "gender", "race"}

// Manifest pins the content of a copy of the dataset.
type Manifest struct {
	LabelsSHA256 string // of labels.csv
	ImagesSHA256 string // of the concatenated bytes of every image file, in labels.csv order
	Rows         int    // data rows in labels.csv (labelled or not)
}

// UTKFace is the copy the course uses: 9,780 faces, of which 2 have no labels (they
// are skipped).
var UTKFace = Manifest{
	LabelsSHA256: "828dd232bb0135f1468637cf5bee8bc7910bfdf66973f3036f23143a4c2e1664",
	ImagesSHA256: "e9e0567a8b6e216b10c8e2d369d0facb2e7c89ea42b903e78cfda31dc25f9eca",
	Rows:         9780,
}

// TestEvery puts one face in TestEvery into the test split, chosen by a hash of the file
// name: the split is the same on every machine and whatever order the files come in.
const TestEvery = 10

// Load returns one split of UTKFace from the data directory dir, resized to size x size
// (a divisor of 64: 64, 32, 16, ...), pixels in [0, 1], 3 channels. Labels are the
// gender (Classes: Genders); Factors hold age, gender and race of every image.
func Load(ctx context.Context, dir string, split datasets.Split, size int) (*datasets.Images, error) {
	return LoadFolder(ctx, filepath.Join(dir, Name), UTKFace, split, size)
}

// LoadFolder is Load for a folder with the layout of utkface/ whose content must match m
// (an empty checksum in m is not checked).
func LoadFolder(ctx context.Context, folder string, m Manifest, split datasets.Split, size int) (*datasets.Images, error) {
	if split != datasets.Train && split != datasets.Test {
		return nil, fmt.Errorf("faces: unknown split %q (want %q or %q)", split, datasets.Train, datasets.Test)
	}
	if size < 1 || Stored%size != 0 {
		return nil, fmt.Errorf("faces: size %d must divide %d (64, 32, 16, ...)", size, Stored)
	}
	labelsPath := filepath.Join(folder, "labels.csv")
	raw, err := os.ReadFile(labelsPath)
	if err != nil {
		return nil, &datasets.Error{Path: labelsPath, Err: err, Hint: Hint}
	}
	if err := checkSum(raw, m.LabelsSHA256); err != nil {
		return nil, &datasets.Error{Path: labelsPath, Err: err, Hint: "labels.csv is not the expected one: copy the utkface folder again"}
	}
	rows, err := parseLabels(raw)
	if err != nil {
		return nil, &datasets.Error{Path: labelsPath, Err: err, Hint: "labels.csv is malformed: copy the utkface folder again"}
	}
	if m.Rows > 0 && len(rows) != m.Rows {
		return nil, &datasets.Error{Path: labelsPath, Err: fmt.Errorf("%w: %d rows, want %d", datasets.ErrChecksum, len(rows), m.Rows),
			Hint: "labels.csv is truncated or not the expected one: copy the utkface folder again"}
	}

	// Read every file (the checksum covers all of them), decode only this split's.
	all := sha256.New()
	d := &datasets.Images{Name: Name + "-" + string(split), H: size, W: size, C: 3, Classes: Genders,
		FactorNames: FactorNames, FactorSizes: []int{MaxAge + 1, len(Genders), len(Races)}}
	for i, r := range rows {
		if i%512 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		path := filepath.Join(folder, "images", r.file)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, &datasets.Error{Path: path, Err: err, Hint: "an image listed in labels.csv is missing: copy the utkface folder again"}
		}
		all.Write(b)
		if !r.labelled || InTest(r.file) != (split == datasets.Test) {
			continue
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, &datasets.Error{Path: path, Err: fmt.Errorf("decoding JPEG: %w", err), Hint: "the image is corrupt or truncated: copy the utkface folder again"}
		}
		if b := img.Bounds(); b.Dx() != Stored || b.Dy() != Stored {
			return nil, &datasets.Error{Path: path, Err: fmt.Errorf("image is %dx%d, want %dx%d", b.Dx(), b.Dy(), Stored, Stored),
				Hint: "genlab expects the 64x64 copy: copy the utkface folder again"}
		}
		if size == Stored && split == datasets.Train { // as stored: 8-bit levels, a quarter of the memory
			d.Bytes = datasets.AppendRGB(d.Bytes, img, img.Bounds())
		} else {
			d.Pixels = datasets.AppendBoxRGB(d.Pixels, img, img.Bounds(), Stored/size)
		}
		d.Labels = append(d.Labels, r.gender)
		d.Factors = append(d.Factors, r.age, r.gender, r.race)
		d.N++
	}
	if got := hex.EncodeToString(all.Sum(nil)); m.ImagesSHA256 != "" && got != m.ImagesSHA256 {
		return nil, &datasets.Error{Path: filepath.Join(folder, "images"),
			Err:  fmt.Errorf("%w: sha256 of the images (in labels.csv order) %s, want %s", datasets.ErrChecksum, got, m.ImagesSHA256),
			Hint: "some image differs from the expected copy: copy the utkface folder again"}
	}
	if d.N == 0 {
		return nil, &datasets.Error{Path: labelsPath, Err: errors.New("no labelled images in this split"), Hint: "labels.csv lists too few faces"}
	}
	return d, d.Validate()
}

// InTest reports whether the face in file belongs to the test split (datasets.HeldOut).
func InTest(file string) bool { return datasets.HeldOut(file, TestEvery) }

type row struct {
	file              string
	labelled          bool
	age, gender, race int32
}

// parseLabels reads labels.csv: a header, then file,age,gender,race rows; a row with all
// three labels empty is kept (its image is part of the checksum) but marked unlabelled.
func parseLabels(raw []byte) ([]row, error) {
	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord = 4
	recs, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) < 2 || recs[0][0] != "file" {
		return nil, fmt.Errorf("want a header starting with \"file\" and at least one row, got %d lines", len(recs))
	}
	rows := make([]row, 0, len(recs)-1)
	for i, rec := range recs[1:] {
		line := i + 2
		if rec[0] == "" || filepath.Base(rec[0]) != rec[0] {
			return nil, fmt.Errorf("line %d: bad file name %q", line, rec[0])
		}
		rw := row{file: rec[0]}
		if rec[1] == "" && rec[2] == "" && rec[3] == "" {
			rows = append(rows, rw)
			continue
		}
		var v [3]int32
		limits := [3]int{MaxAge, len(Genders) - 1, len(Races) - 1}
		for j := range 3 {
			n, err := strconv.Atoi(rec[j+1])
			if err != nil || n < 0 || n > limits[j] {
				return nil, fmt.Errorf("line %d: %s %q is not an integer in [0, %d]", line, FactorNames[j], rec[j+1], limits[j])
			}
			v[j] = int32(n)
		}
		rw.labelled, rw.age, rw.gender, rw.race = true, v[0], v[1], v[2]
		rows = append(rows, rw)
	}
	return rows, nil
}

func checkSum(b []byte, want string) error {
	if want == "" {
		return nil
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("%w: sha256 %s, want %s", datasets.ErrChecksum, got, want)
	}
	return nil
}

// Size is the side the course trains the faces at, and the size datasets.Load gives:
// 32x32, what two CPU cores train a DCGAN on in minutes.
const Size = 32

// The two domains of faces by age for unpaired translation (CycleGAN): young (age <=
// YoungMax) and old (age >= OldMin); the ages between are left out, so that the domains
// differ visibly.
const (
	AgeName  = "utkface-age"
	YoungMax = 25
	OldMin   = 50
)

// ByAge returns the young faces of d (label 0) followed by the old ones (label 1),
// keeping their factors (the age among them).
func ByAge(d *datasets.Images) (*datasets.Images, error) {
	nf := len(d.FactorNames)
	if nf == 0 || d.FactorNames[0] != "age" {
		return nil, fmt.Errorf("faces: %s has no age factor", d.Name)
	}
	var idx []int
	var labels []int32
	for label, keep := range []func(age int32) bool{
		func(a int32) bool { return a <= YoungMax }, func(a int32) bool { return a >= OldMin },
	} {
		for i := range d.N {
			if keep(d.Factors[i*nf]) {
				idx = append(idx, i)
				labels = append(labels, int32(label))
			}
		}
	}
	out := d.Select(idx)
	out.Name, out.Classes, out.Labels = d.Name+"/by-age", []string{"young", "old"}, labels
	return out, out.Validate()
}

func init() {
	datasets.Register(datasets.Source{
		Name: AgeName,
		// At the stored 64x64 by default: age is in the details.
		Load: func(ctx context.Context, dir string, split datasets.Split, size int) (*datasets.Images, error) {
			d, err := Load(ctx, dir, split, cmp.Or(size, Stored))
			if err != nil {
				return nil, err
			}
			return ByAge(d)
		},
		Hint: Hint,
	})
	datasets.Register(datasets.Source{
		Name: Name,
		Load: func(ctx context.Context, dir string, split datasets.Split, size int) (*datasets.Images, error) {
			return Load(ctx, dir, split, cmp.Or(size, Size))
		},
		Hint: Hint,
	})
}

// Groups returns the race x gender group of each image of d (factors age, gender, race,
// as Load gives them) and the groups' names ("white_male", ..., "other_female"):
// group[i] indexes names, and is -1 for an image whose factors are -1 (an object in a
// detection set). A face detector's accuracy is read per group to see whom it fails.
func Groups(d *datasets.Images) (group []int, names []string, err error) {
	if len(d.FactorNames) != len(FactorNames) || d.FactorNames[1] != "gender" || d.FactorNames[2] != "race" ||
		len(d.Factors) != d.N*len(FactorNames) {
		return nil, nil, fmt.Errorf("faces: %s has no gender and race factors", d.Name)
	}
	for _, r := range Races {
		for _, g := range Genders {
			names = append(names, r+"_"+g)
		}
	}
	group = make([]int, d.N)
	for i := range d.N {
		g, r := d.Factors[i*3+1], d.Factors[i*3+2]
		switch {
		case g < 0 || r < 0:
			group[i] = -1
		case int(g) >= len(Genders) || int(r) >= len(Races):
			return nil, nil, fmt.Errorf("faces: %s: image %d has gender %d, race %d", d.Name, i, g, r)
		default:
			group[i] = int(r)*len(Genders) + int(g)
		}
	}
	return group, names, nil
}
