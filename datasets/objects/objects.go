// Package objects loads photos with no faces in them, the negatives of a face detector,
// and the detection set that puts them beside UTKFace's faces: the data of the course's
// debiasing chapter (DB-VAE), where a detector of faces is trained on faces and
// non-faces and then measured on each group of faces.
//
// The data directory holds imagenet-sample/images/*.jpg: 942 photos of 128x128, one per
// ImageNet class, with the classes centred on people or clothing removed (a few photos
// still show a person at the edge: a fish held by an angler, say; the labels are "no
// face" all the same, as in any detection set built from class labels). The copy is
// pinned by the number of files and one SHA-256 of all their bytes in name order. The
// test split holds out every photo whose name's FNV-1a hash is a multiple of 10, the
// rule of every genlab folder of files.
package objects

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"path/filepath"
	"slices"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/faces"
)

const (
	// Name is the photos alone, unlabelled.
	Name = "imagenet-sample"
	// DetectName is the detection set: faces (label 1) and these photos (label 0).
	DetectName = "utkface-detect"
	// SkewedName is the detection set with a training split skewed toward white faces
	// (Skew), the biased data of Amini et al.'s setting made on purpose; its test split
	// is DetectName's and the training faces the skew left out (LoadSkewed).
	SkewedName = "utkface-detect-skewed"
	// SkewKeep: the skewed training split keeps one in SkewKeep of the faces that are
	// not white.
	SkewKeep = 10
	// Stored is the side of the stored photos.
	Stored = 128
	// TestEvery: a photo is held out when its name's FNV-1a hash is a multiple of it.
	TestEvery = 10
)

// Views is how many images each photo gives: the whole photo and five crops of half
// its side (the four quadrants and the centre), each box-filtered to the size asked
// for. A face fills its whole frame; crops make the non-faces as close up as the faces
// are, so that the detector cannot tell them apart by scale alone, and give six times
// the 942 photos.
const Views = 6

// Classes are the detection set's labels: 0 for a photo without a face, 1 for a face.
var Classes = []string{"object", "face"}

// Hint says where the folder comes from, for errors about a missing or damaged one.
const Hint = "copy the imagenet-sample folder (images/*.jpg: 942 photos of 128x128, one per ImageNet class, " +
	"from github.com/EliSchwartz/imagenet-sample-images, people and clothing classes removed) into the data directory, " +
	"or point $" + datasets.DirEnv + " (or --data) at one that has it"

// Manifest pins the content of a copy of the photos.
type Manifest struct {
	Files  int    // JPEGs in the folder
	SHA256 string // of all their bytes, in name order ("" is not checked)
}

// Sample is the copy genlab expects.
var Sample = Manifest{Files: 942, SHA256: "558a77147fc098b9a1a2c32cc347b5ef2b91a4f5958dfd1babf20a1eeb236ca7"}

// Load reads one split of the photos from dir/imagenet-sample/images as Views images
// each of size x size (a divisor of 64: 64, 32, 16, ...), pixels in [0, 1], 3 channels.
func Load(ctx context.Context, dir string, split datasets.Split, size int) (*datasets.Images, error) {
	return LoadFolder(ctx, filepath.Join(dir, Name, "images"), Sample, split, size)
}

// LoadFolder is Load for a folder of photos whose content must match m.
func LoadFolder(ctx context.Context, folder string, m Manifest, split datasets.Split, size int) (*datasets.Images, error) {
	if size < 1 || (Stored/2)%size != 0 {
		return nil, fmt.Errorf("objects: size %d must divide %d (64, 32, 16, ...)", size, Stored/2)
	}
	d := &datasets.Images{Name: Name + "-" + string(split), H: size, W: size, C: 3}
	h := Stored / 2
	crops := []image.Rectangle{
		image.Rect(0, 0, h, h), image.Rect(h, 0, Stored, h), image.Rect(0, h, h, Stored), image.Rect(h, h, Stored, Stored),
		image.Rect(h/2, h/2, h/2+h, h/2+h),
	}
	photos := datasets.JPEGs{Folder: folder, Files: m.Files, SHA256: m.SHA256, W: Stored, H: Stored, TestEvery: TestEvery, Hint: Hint}
	err := photos.Each(ctx, split, func(_ string, img image.Image) {
		r := img.Bounds()
		d.Pixels = datasets.AppendBoxRGB(d.Pixels, img, r, Stored/size)
		for _, c := range crops {
			d.Pixels = datasets.AppendBoxRGB(d.Pixels, img, c.Add(r.Min), h/size)
		}
		d.N += Views
	})
	if err != nil {
		return nil, err
	}
	if d.N == 0 {
		return nil, &datasets.Error{Path: folder, Err: fmt.Errorf("no photos in the %s split", split), Hint: Hint}
	}
	return d, d.Validate()
}

// Detection is the face detector's data: the faces (label 1, "face") followed by the
// objects (label 0, "object"), with the faces' factors (age, gender, race) kept and -1
// in every factor of an object, so that a detector's accuracy can be read per group of
// faces. Both sets must have the same image shape.
func Detection(faceSet, objectSet *datasets.Images) (*datasets.Images, error) {
	if faceSet.H != objectSet.H || faceSet.W != objectSet.W || faceSet.C != objectSet.C {
		return nil, fmt.Errorf("objects: faces %dx%dx%d and objects %dx%dx%d differ in shape",
			faceSet.H, faceSet.W, faceSet.C, objectSet.H, objectSet.W, objectSet.C)
	}
	nf := len(faceSet.FactorNames)
	if len(faceSet.Factors) != faceSet.N*nf {
		return nil, fmt.Errorf("objects: %s has no factors per face", faceSet.Name)
	}
	d := &datasets.Images{Name: faceSet.Name + "+" + objectSet.Name, N: faceSet.N + objectSet.N,
		H: faceSet.H, W: faceSet.W, C: faceSet.C, Classes: Classes,
		FactorNames: faceSet.FactorNames, FactorSizes: faceSet.FactorSizes}
	d.Pixels = slices.Concat(faceSet.Floats(), objectSet.Floats())
	d.Labels = make([]int32, d.N)
	d.Factors = slices.Concat(faceSet.Factors, slices.Repeat([]int32{-1}, objectSet.N*nf))
	for i := range faceSet.N {
		d.Labels[i] = 1
	}
	return d, d.Validate()
}

// LoadDetection loads one split of UTKFace's faces and of the photos at size x size and
// returns them as Detection does.
func LoadDetection(ctx context.Context, dir string, split datasets.Split, size int) (*datasets.Images, error) {
	f, err := faces.Load(ctx, dir, split, size)
	if err != nil {
		return nil, err
	}
	o, err := Load(ctx, dir, split, size)
	if err != nil {
		return nil, err
	}
	return Detection(f, o)
}

// Skew splits a set of faces d (faces.Load's, or a detection set as Detection gives it)
// in two: kept holds every white face and every object, and one in keep of the other
// faces (the first, the keep+1-th, ... in d's order); dropped holds the other faces it
// leaves out. UTKFace is two-fifths white and a detector trained on it is near 99% on
// every group; trained on a set where nine in ten faces are white it has few dark or
// Asian faces to learn from, the bias the DB-VAE is built to find and undo.
func Skew(d *datasets.Images, keep int) (kept, dropped *datasets.Images, err error) {
	if keep < 1 {
		return nil, nil, fmt.Errorf("objects: skew keeps one in %d faces; want at least 1", keep)
	}
	group, _, err := faces.Groups(d)
	if err != nil {
		return nil, nil, err
	}
	white := slices.Index(faces.Races, "white")
	var in, out []int
	other := 0
	for i, g := range group {
		if g >= 0 && g/len(faces.Genders) != white {
			if other++; (other-1)%keep != 0 {
				out = append(out, i)
				continue
			}
		}
		in = append(in, i)
	}
	kept, dropped = d.Select(in), d.Select(out)
	kept.Name, dropped.Name = fmt.Sprintf("%s/skewed%d", d.Name, keep), fmt.Sprintf("%s/dropped%d", d.Name, keep)
	return kept, dropped, kept.Validate() // dropped may be empty (keep 1)
}

// LoadSkewed is SkewedName's split: for training, LoadDetection's training split with
// its faces skewed by Skew(keep); for testing, LoadDetection's test split with the
// training faces the skew dropped added after its faces. Those faces are never trained
// on, and they make the small groups large enough to measure (the held-out split has
// 30 black men, the dropped faces 153 more).
func LoadSkewed(ctx context.Context, dir string, split datasets.Split, size, keep int) (*datasets.Images, error) {
	trainFaces, err := faces.Load(ctx, dir, datasets.Train, size)
	if err != nil {
		return nil, err
	}
	kept, dropped, err := Skew(trainFaces, keep)
	if err != nil {
		return nil, err
	}
	f := kept
	if split != datasets.Train {
		if f, err = faces.Load(ctx, dir, split, size); err != nil {
			return nil, err
		}
		for i := range dropped.N {
			f.AppendExample(dropped, i)
		}
		f.Name += "+" + dropped.Name
	}
	o, err := Load(ctx, dir, split, size)
	if err != nil {
		return nil, err
	}
	return Detection(f, o)
}

func init() {
	datasets.Register(datasets.Source{Name: Name, Hint: Hint,
		Load: func(ctx context.Context, dir string, split datasets.Split, size int) (*datasets.Images, error) {
			return Load(ctx, dir, split, cmp.Or(size, faces.Size))
		}})
	datasets.Register(datasets.Source{Name: DetectName, Hint: faces.Hint + "; and " + Hint,
		Load: func(ctx context.Context, dir string, split datasets.Split, size int) (*datasets.Images, error) {
			return LoadDetection(ctx, dir, split, cmp.Or(size, faces.Size))
		}})
	datasets.Register(datasets.Source{Name: SkewedName, Hint: faces.Hint + "; and " + Hint,
		Load: func(ctx context.Context, dir string, split datasets.Split, size int) (*datasets.Images, error) {
			return LoadSkewed(ctx, dir, split, cmp.Or(size, faces.Size), SkewKeep)
		}})
}
