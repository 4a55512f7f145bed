/**
 * The real servers and tools the tests run against, pinned by exact module version.
 * Each component is one Go wrapper module in `src/testenv/go/<name>/` (go.mod + go.sum committed,
 * so a cold build downloads and compiles but never re-resolves) and is cached by name+version.
 */
export interface Component {
  name: string;
  /** The Go module that holds the commands. */
  module: string;
  version: string;
  /** Go package → binary name in the cache folder. */
  commands: Record<string, string>;
  /** Rough cold build time on 2 cores, shown as progress so a long build never looks hung. */
  coldMinutes: number;
  /** Folder of the wrapper module. @default src/testenv/go/<name> */
  wrapper?: string;
  /**
   * `-X package.variable=value` link-time settings, as a release build of the tool sets them.
   * Part of the cache folder's name (`variant`), so changing them rebuilds the component.
   */
  linkVars?: Record<string, string>;
  /** Names these build settings in the cache folder: `<name>-<version>-<variant>`. */
  variant?: string;
}

const component = (c: Component): Component => c;

export const COMPONENTS = {
  // One wrapper builds all Kubernetes binaries so shared packages compile once.
  kube: component({
    name: 'kube',
    module: 'k8s.io/kubernetes',
    version: 'v1.34.4',
    commands: {
      'k8s.io/kubernetes/cmd/kube-apiserver': 'kube-apiserver',
      'k8s.io/kubernetes/cmd/kube-controller-manager': 'kube-controller-manager',
      'k8s.io/kubernetes/cmd/kube-scheduler': 'kube-scheduler',
      'k8s.io/kubernetes/cmd/kubectl': 'kubectl',
    },
    coldMinutes: 11,
  }),
  etcd: component({
    name: 'etcd',
    module: 'go.etcd.io/etcd/server/v3',
    version: 'v3.6.6',
    commands: { 'go.etcd.io/etcd/server/v3': 'etcd' },
    coldMinutes: 2,
  }),
  kwok: component({
    name: 'kwok',
    module: 'sigs.k8s.io/kwok',
    version: 'v0.7.0',
    commands: { 'sigs.k8s.io/kwok/cmd/kwok': 'kwok' },
    coldMinutes: 2,
  }),
  nats: component({
    name: 'nats',
    module: 'github.com/nats-io/nats-server/v2',
    version: 'v2.12.1',
    commands: { 'github.com/nats-io/nats-server/v2': 'nats-server' },
    coldMinutes: 1,
  }),
  // v1.21.0, not v1.21.4: v1.21.4 requires sdk v0.21.0, whose ActivationFunc no longer
  // matches the vault package, so it does not compile from the module proxy.
  vault: component({
    name: 'vault',
    module: 'github.com/hashicorp/vault',
    version: 'v1.21.0',
    commands: { 'github.com/hashicorp/vault': 'vault' },
    coldMinutes: 20,
  }),
  sops: component({
    name: 'sops',
    module: 'github.com/getsops/sops/v3',
    version: 'v3.11.0',
    commands: { 'github.com/getsops/sops/v3/cmd/sops': 'sops' },
    coldMinutes: 3,
  }),
  helm: component({
    name: 'helm',
    module: 'helm.sh/helm/v3',
    version: 'v3.19.0',
    commands: { 'helm.sh/helm/v3/cmd/helm': 'helm' },
    coldMinutes: 3,
    // What helm's Makefile sets for a release: without them a helm built from its module says
    // it is v3.19 "unreleased" and assumes Kubernetes v1.20, so `helm template` of a chart with
    // kubeVersion >=1.31 fails unless given --kube-version. 1.34 is its client-go's (v0.34.0).
    // Cold build with these flags (empty Go cache): 7m50s wall on 2 shared cores at load ~7,
    // 3.8 CPU-minutes.
    linkVars: {
      'helm.sh/helm/v3/internal/version.version': 'v3.19.0',
      'helm.sh/helm/v3/internal/version.metadata': '',
      'helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor': '1',
      'helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor': '34',
      'helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor': '1',
      'helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor': '34',
    },
    variant: 'release-k8s1.34',
  }),
  kubeconform: component({
    name: 'kubeconform',
    module: 'github.com/yannh/kubeconform',
    version: 'v0.7.0',
    commands: { 'github.com/yannh/kubeconform/cmd/kubeconform': 'kubeconform' },
    coldMinutes: 1,
  }),
  actionlint: component({
    name: 'actionlint',
    module: 'github.com/rhysd/actionlint',
    version: 'v1.7.7',
    commands: { 'github.com/rhysd/actionlint/cmd/actionlint': 'actionlint' },
    coldMinutes: 1,
  }),
  // A small command of our own over Talos's machinery module (wrapper cmd/talosvalidate): it
  // applies talos/patches/ to a generated config and runs Talos's strict validation.
  // Cold build (empty Go cache) on 2 shared cores: 1m16s wall at load ~1, 7m18s at load 14-16;
  // 1.7 CPU-minutes.
  talosvalidate: component({
    name: 'talosvalidate',
    module: 'github.com/siderolabs/talos/pkg/machinery',
    version: 'v1.11.5',
    commands: { 'posture.dev/testenv/talosvalidate/cmd/talosvalidate': 'talosvalidate' },
    coldMinutes: 2,
  }),
  // OpenTofu parses and formats terraform/ (`tofu fmt -check`); the Vault provider is not on the
  // module proxy, so nothing needs a provider. The wrapper repeats OpenTofu's HCL replace.
  // Cold build (empty Go cache) on 2 shared cores: 6m29s wall at load ~3-4, 16m14s at load
  // 10-18; 9 CPU-minutes.
  tofu: component({
    name: 'tofu',
    module: 'github.com/opentofu/opentofu',
    version: 'v1.12.6',
    commands: { 'github.com/opentofu/opentofu/cmd/tofu': 'tofu' },
    coldMinutes: 6,
    // What OpenTofu's release build sets: without it the binary calls itself v1.12.6-dev.
    linkVars: { 'github.com/opentofu/opentofu/version.dev': 'no' },
    variant: 'release',
  }),
} as const;

export type ComponentName = keyof typeof COMPONENTS;
export const ALL_COMPONENTS = Object.keys(COMPONENTS) as ComponentName[];

/** Cilium's CRDs come from its Go module (downloaded, not built). */
export const CILIUM = {
  module: 'github.com/cilium/cilium',
  version: 'v1.18.4',
  crdDir: 'pkg/k8s/apis/cilium.io/client/crds/v2',
  crds: ['ciliumnetworkpolicies.yaml', 'ciliumclusterwidenetworkpolicies.yaml'],
} as const;

/**
 * Argo CD's CRDs come from its Go module (downloaded, not built): the Application schema that
 * `posture synth`'s gitops/argocd/ is validated against (docs/adr/0054).
 */
export const ARGOCD = {
  module: 'github.com/argoproj/argo-cd/v3',
  version: 'v3.5.7',
  crdDir: 'manifests/crds',
  crds: ['application-crd.yaml'],
} as const;
