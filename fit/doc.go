// Package fit is the one training loop every genlab model, notebook and command uses.
//
// A model hands fit one or more Updates: a loss built in a GoMLX graph and the optimizer
// that minimizes it over the variables of one scope. A VAE has one update; a GAN has two
// (the discriminator's, then the generator's), each changing only its own network. Run
// executes them in turn for a step budget and adds what a long run needs:
//
//   - Reproducibility: one seed sets the in-graph random state and (through the Batches
//     function the caller passes, see datasets.Sampler) the data order; the same seed
//     gives the same numbers on the pure-Go CPU backend.
//   - Checkpoints every CheckpointEvery steps and at the end, written to a temporary file
//     and renamed, so an interrupted write never replaces a good checkpoint; Run resumes
//     from the checkpoint in CheckpointDir if there is one.
//   - A NaN/Inf stop: a non-finite loss stops training with ErrNonFinite, and the last
//     good checkpoint on disk is left as it was.
//   - Progress: a live bar on a terminal, a few lines in a notebook or a log.
//
// It is named fit, not train, so that it does not shadow GoMLX's ml/train.
package fit
