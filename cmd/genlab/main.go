// Command genlab trains, samples and evaluates genlab's models without Jupyter.
//
//	genlab data   [--data DIR] [--dataset NAME|all]
//	genlab train  MODEL [--dataset mnist] [--arch conv|mlp] [--steps N] [--seed S] [--ckpt DIR] [--set FIELD=VALUE] ...
//	genlab sample [--ckpt DIR] [--n 64] [--out samples.png]
//	genlab eval   [--ckpt DIR] [--k 100] [--n 10000] [--fd-n 10000] [--classifier DIR]
//	genlab bench  [--peer pytorch] [--models mlp_vae,conv_vae] [--steps 20] [--rounds 3]
//	genlab course list|train|export|check|install [NAME...|all] [--minutes M] [--course DIR]
//
// MODEL is any registered model (models.Names); each subcommand lives in its own file
// and works through the models' registry and abilities (package models), never by a
// model's name. eval prints one `metric NAME=VALUE` line per metric. The backend is
// GoMLX's pure-Go CPU backend unless --backend or $GOMLX_BACKEND names another.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/genlab-go/genlab/backend"
	"github.com/genlab-go/genlab/models"

	// The datasets and models the command knows: each registers itself by name.
	_ "github.com/genlab-go/genlab/datasets/faces"
	_ "github.com/genlab-go/genlab/datasets/maps"
	_ "github.com/genlab-go/genlab/datasets/mnist"
	_ "github.com/genlab-go/genlab/datasets/objects"
	_ "github.com/genlab-go/genlab/datasets/shapes"
	_ "github.com/genlab-go/genlab/models/ae"
	_ "github.com/genlab-go/genlab/models/classifier"
	_ "github.com/genlab-go/genlab/models/cyclegan"
	_ "github.com/genlab-go/genlab/models/dbvae"
	_ "github.com/genlab-go/genlab/models/detector"
	_ "github.com/genlab-go/genlab/models/diffusion"
	_ "github.com/genlab-go/genlab/models/flow"
	_ "github.com/genlab-go/genlab/models/gan"
	_ "github.com/genlab-go/genlab/models/pix2pix"
	_ "github.com/genlab-go/genlab/models/pixelcnn"
	_ "github.com/genlab-go/genlab/models/progan"
	_ "github.com/genlab-go/genlab/models/regressor"
	_ "github.com/genlab-go/genlab/models/vae"
)

func usage() string {
	return `genlab: train, sample and evaluate deep generative models.

Commands:
  data    fetch (or verify) datasets into the data directory
  train   ` + strings.Join(models.Names(), "|") + `: train a model, writing checkpoints and figures to --ckpt
  sample  draw samples from a trained model into a PNG grid
  eval    print metrics of a trained model, one "metric NAME=VALUE" line each
  bench   time train steps, with --peer pytorch side by side with PyTorch on CPU
  course  list|train|export|check|install the course runs (trained checkpoints held to quality bars)

Run "genlab COMMAND -h" for the flags of a command.
`
}

func main() {
	// math.Exp's fast path needs a GODEBUG setting read at startup (backend.ExpSetting):
	// on a CPU where it matters the command re-executes itself with it, once.
	if err := backend.Reexec(); err != nil {
		fmt.Fprintln(os.Stderr, "genlab: running without", backend.ExpSetting+":", err)
	}
	// A soft memory limit: by default Go's collector lets the heap grow to twice what is
	// live before collecting, and a dataset decoded at 64x64 (hundreds of MB, copied
	// once into its domains) is enough for that slack to pass the 2 GiB genlab promises
	// a laptop. Under the limit the collector runs sooner instead; $GOMEMLIMIT wins.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	// SIGINT (Ctrl-C) and SIGTERM (a shutdown, a scheduler, kill) end training at the
	// next step with a checkpoint there; only SIGKILL loses the work since the last one.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errFlags): // the flag package has said what is wrong
		os.Exit(2)
	case errors.Is(err, errUsage):
		fmt.Fprintf(os.Stderr, "genlab: %v\n\n%s", err, usage())
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "genlab:", err)
		os.Exit(1)
	}
}

// errUsage marks an error in the command line itself; errFlags one the flag package
// has already reported.
var (
	errUsage = errors.New("usage")
	errFlags = errors.New("bad flags")
)

// memoryLimit is the command's soft memory limit, below genlab's 2 GiB budget.
const memoryLimit = 1280 << 20

// run is the command with its arguments (without the program name), writing results
// to out: main calls it, and tests call it in-process.
func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "data":
		return cmdData(ctx, args, out)
	case "train":
		return cmdTrain(ctx, args, out)
	case "sample":
		return cmdSample(args, out)
	case "eval":
		return cmdEval(ctx, args, out)
	case "bench":
		return cmdBench(args, out)
	case "course":
		return cmdCourse(ctx, args, out)
	case "-h", "--help", "help":
		fmt.Fprint(out, usage())
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

// common are the flags of every command.
type common struct {
	data, backend, cpuprofile string
	stopProfile               func()
}

// flags returns a flag set for the command name with the common flags registered.
func (c *common) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&c.data, "data", "", "data directory (default $GENLAB_DATA, else the user cache dir)")
	fs.StringVar(&c.backend, "backend", "", "GoMLX backend, e.g. go or xla:cuda (default $GOMLX_BACKEND, else go)")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the command to this file (go tool pprof)")
	return fs
}

// parse parses args into fs and starts what the common flags ask for (the profile, the
// backend); stop ends it.
func (c *common) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errFlags, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s: unexpected argument %q", errUsage, fs.Name(), fs.Arg(0))
	}
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		c.stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
	}
	if c.backend != "" {
		if err := os.Setenv(backend.EnvVar, c.backend); err != nil {
			return err
		}
	}
	_, err := backend.New("")
	return err
}

// loadModel parses args, then loads the model whose checkpoint is in *dir (a flag's
// value, read after parsing).
func (c *common) loadModel(fset *flag.FlagSet, args []string, dir *string) (models.Model, error) {
	if err := c.parse(fset, args); err != nil {
		return nil, err
	}
	return models.Load(*dir)
}

// stop ends what parse started (the CPU profile).
func (c *common) stop() {
	if c.stopProfile != nil {
		c.stopProfile()
	}
}

// metric prints one `metric NAME=VALUE` line, the form scripts and tests read.
func metric(out io.Writer, name, format string, value any) {
	fmt.Fprintf(out, "metric %s="+format+"\n", name, value)
}
