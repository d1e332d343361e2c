// Package datasets finds, downloads and verifies the data files genlab trains on, and
// holds the in-memory image set every model reads batches from.
//
// Files live in a data directory: the --data flag of the genlab command, else
// $GENLAB_DATA, else genlab/datasets under the user's cache directory
// ($XDG_CACHE_HOME, usually ~/.cache). A missing file is downloaded from its canonical
// mirrors (unless $GENLAB_OFFLINE is set) into a temporary file, verified by the SHA-256
// of its uncompressed content, and only then renamed into place: an interrupted or
// corrupt download never leaves a half-written file behind.
//
// Sub-packages: mnist (MNIST and Fashion-MNIST IDX files), faces (UTKFace photos with
// age, gender and race; no download mirror, copied in by hand and checked against pinned
// checksums), shapes (procedural dSprites-style shapes with known factors, generated in
// code: no file needed) and toy (1-D and 2-D mixtures for the GAN intuition).
package datasets
