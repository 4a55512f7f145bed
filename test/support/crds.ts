import { join } from 'node:path';
import { CRD_DIR } from '../../src/crds/crd/generate.ts';
import { kubectl } from './env.ts';

let installed: Promise<void> | undefined;

/**
 * Installs the committed posture CRDs (charts/posture/crds) into the test apiserver once per test
 * process and waits until they are served. Server-side apply makes it idempotent across files.
 */
export function installPostureCrds(): Promise<void> {
  installed ??= (async () => {
    const dir = join(import.meta.dirname, '../..', CRD_DIR);
    const applied = await kubectl([
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=posture-tests',
      '-f',
      dir,
    ]);
    if (applied.code !== 0)
      throw new Error(`installing the posture CRDs failed: ${applied.stderr}`);
    const names = ['tradingservices', 'hmackeyrings', 'exchangecredentials'].map(
      (p) => `crd/${p}.posture.dev`,
    );
    const ready = await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...names]);
    if (ready.code !== 0) throw new Error(`posture CRDs not established: ${ready.stderr}`);
  })();
  return installed;
}
