// Command talosvalidate checks Talos machine-config patches with Talos's own code: it generates
// a config bundle for a fixed cluster, applies the patches as talosctl does (configpatcher), and
// runs the config's strict validation for a control-plane and a worker node in the given runtime
// mode. Any error or warning exits non-zero; the patched control-plane config goes to stdout so a
// test can assert what the patches produced, not only that Talos accepted them.
//
//	talosvalidate [-mode metal|container] patch.yaml...
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/config/validation"
	"github.com/siderolabs/talos/pkg/machinery/constants"
)

// mode is a validation.RuntimeMode. Talos's own modes live in its runtime package, outside the
// machinery module; these two answer as Talos's metal and container modes do.
type mode struct {
	name      string
	install   bool
	container bool
}

func (m mode) String() string        { return m.name }
func (m mode) RequiresInstall() bool { return m.install }
func (m mode) InContainer() bool     { return m.container }

var modes = map[string]mode{
	"metal":     {name: "metal", install: true},
	"container": {name: "container", container: true},
}

// A fixed cluster, so the output depends on the patches only (secrets aside).
const (
	clusterName = "posture-platform"
	endpoint    = "https://203.0.113.10:6443"
)

func main() {
	modeName := flag.String("mode", "metal", "runtime mode to validate for: metal or container")
	flag.Parse()

	if err := run(*modeName, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(modeName string, files []string) error {
	m, ok := modes[modeName]
	if !ok {
		return fmt.Errorf("unknown mode %q (metal or container)", modeName)
	}

	if len(files) == 0 {
		return errors.New("usage: talosvalidate [-mode metal|container] patch.yaml...")
	}

	refs := make([]string, len(files))
	for i, f := range files {
		refs[i] = "@" + f
	}

	patches, err := configpatcher.LoadPatches(refs)
	if err != nil {
		return fmt.Errorf("loading patches: %w", err)
	}

	secretsBundle, err := secrets.NewBundle(secrets.NewFixedClock(time.Now()), config.TalosVersionCurrent)
	if err != nil {
		return fmt.Errorf("generating secrets: %w", err)
	}

	input, err := generate.NewInput(clusterName, endpoint, constants.DefaultKubernetesVersion,
		generate.WithSecretsBundle(secretsBundle),
		generate.WithInstallDisk("/dev/sda"),
	)
	if err != nil {
		return fmt.Errorf("generating input: %w", err)
	}

	var controlPlane string

	var failures []error

	for _, t := range []machine.Type{machine.TypeControlPlane, machine.TypeWorker} {
		out, err := patched(input, t, patches)
		if err != nil {
			failures = append(failures, fmt.Errorf("%s: %w", t, err))

			continue
		}

		warnings, err := out.Validate(m, validation.WithStrict())
		for _, w := range warnings {
			failures = append(failures, fmt.Errorf("%s: warning (strict): %s", t, w))
		}

		if err != nil {
			failures = append(failures, fmt.Errorf("%s: %w", t, err))
		}

		if t == machine.TypeControlPlane {
			controlPlane, err = out.EncodeString(encoder.WithComments(encoder.CommentsDisabled))
			if err != nil {
				failures = append(failures, fmt.Errorf("%s: encoding: %w", t, err))
			}
		}
	}

	if len(failures) > 0 {
		return errors.Join(failures...)
	}

	fmt.Print(controlPlane)

	return nil
}

func patched(input *generate.Input, t machine.Type, patches []configpatcher.Patch) (config.Provider, error) {
	cfg, err := input.Config(t)
	if err != nil {
		return nil, fmt.Errorf("generating config: %w", err)
	}

	out, err := configpatcher.Apply(configpatcher.WithConfig(cfg), patches)
	if err != nil {
		return nil, fmt.Errorf("applying patches: %w", err)
	}

	return out.Config()
}
