import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { CRD_DIR, crdName } from '../../src/api/crd/generate.ts';
import { KINDS } from '../../src/api/index.ts';
import { kubectl } from './env.ts';

let installed: Promise<void> | undefined;

// Polled rather than `kubectl wait`, which errors out while a new CRD has no conditions yet.
export async function waitEstablished(name: string): Promise<void> {
  const query = '{.status.conditions[?(@.type=="Established")].status}';
  for (let i = 0; i < 240; i++) {
    const got = await kubectl(['get', `crd/${name}`, '-o', `jsonpath=${query}`]);
    if (got.code === 0 && got.stdout === 'True') return;
    await sleep(250);
  }
  throw new Error(`CRD ${name} was not Established within 60 s`);
}

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
    for (const kind of KINDS) await waitEstablished(crdName(kind));
  })();
  return installed;
}
