/**
 * What a running test environment tells its users: tests, `posture dev up`, benchmarks.
 * It is written as JSON to `<dir>/env.json`; `POSTURE_TESTENV` names that file for child processes.
 */
export interface TestEnvInfo {
  /** Working folder of this environment (data, certificates, logs); removed on stop. */
  dir: string;
  kube: {
    /** https://127.0.0.1:<port> */
    server: string;
    /** Bearer token of an admin in system:masters. */
    token: string;
    /** PEM bundle that verifies the apiserver's serving certificate. */
    caFile: string;
    /** A kubeconfig (context `posture-test`) for kubectl, posture and humans. */
    kubeconfig: string;
    /**
     * The apiserver's audit log (JSON lines, Metadata level): requests of ServiceAccounts
     * outside kube-system, e.g. the operator running with its Helm chart's RBAC.
     */
    auditLog: string;
    /** Names of the simulated kwok nodes; empty when no controllers/nodes were started. */
    nodes: string[];
  };
  /** Vault dev server: KV v2 at `secret/`, Kubernetes auth enabled at `auth/kubernetes`. */
  vault?: { addr: string; token: string };
  /** nats-server on loopback (only when asked for: tests start their own with `startNats`). */
  nats?: { url: string; monitorUrl: string; configFile: string };
  /** Absolute paths of the built command-line tools and servers, by binary name. */
  bin: Record<string, string>;
  /** Folder holding Cilium's CRD YAML files (installed into the apiserver at start). */
  ciliumCrdDir: string;
}

export const TESTENV_VARIABLE = 'POSTURE_TESTENV';
