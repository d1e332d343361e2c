// Package lab turns what the models produce into things a learner looks at: image grids,
// reconstruction pairs, latent traversals and interpolations, the decoded 2-D latent
// manifold, scatter plots, training curves and histograms.
//
// Every helper is headless: it returns an image.Image or a *plot.Plot (gonum/plot) that
// WritePNG / PlotPNG / PlotSVG turn into files. Show displays any of them inline when
// the code runs inside a GoNB notebook (as PNG, which survives in the saved notebook and
// its HTML export) and does nothing elsewhere, so the same code serves the notebooks,
// the genlab command and the tests. Nothing in models/ imports this package.
package lab
