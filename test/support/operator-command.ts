import { testEnv } from './env.ts';

/**
 * The command line of `posture operator` as a process in a test: its sources, the test Vault
 * with the login's flags, metrics on a free loopback port, warnings only. `kubeconfig` is the
 * identity it runs as (the admin's by default); `flags` are what the test is about (scope,
 * platform settings, NATS).
 */
export function operatorCommand(options: {
  login: { flags: readonly string[] };
  flags: readonly string[];
  kubeconfig?: string;
}): string[] {
  const env = testEnv();
  if (!env.vault) throw new Error('the test environment has no Vault');
  return [
    'src/cli/main.ts',
    'operator',
    ...options.flags,
    `--kubeconfig=${options.kubeconfig ?? env.kube.kubeconfig}`,
    `--vault-addr=${env.vault.addr}`,
    ...options.login.flags,
    '--metrics-port=0',
    '--metrics-host=127.0.0.1',
    '--log-level=warn',
  ];
}
