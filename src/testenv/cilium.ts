import { CILIUM } from './components.ts';
import { ensureModuleFiles } from './module-files.ts';

/**
 * Cilium's own CRD files (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy), taken from the
 * cilium Go module at a pinned version, so a real apiserver validates posture's policies with
 * Cilium's real schema. Only the module's source is downloaded; nothing is built.
 */
export function ensureCiliumCrds(): Promise<string> {
  return ensureModuleFiles({
    name: 'cilium-crds',
    module: CILIUM.module,
    version: CILIUM.version,
    dir: CILIUM.crdDir,
    files: CILIUM.crds,
  });
}
