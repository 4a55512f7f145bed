import { ARGOCD } from './components.ts';
import { ensureModuleFiles } from './module-files.ts';

/**
 * Argo CD's own Application CRD, taken from the argo-cd Go module at a pinned version (only its
 * source; argo-cd is never built), so a real apiserver validates the Applications `posture synth`
 * writes with Argo CD's real structural schema.
 */
export function ensureArgoCdCrds(): Promise<string> {
  return ensureModuleFiles({
    name: 'argocd-crds',
    module: ARGOCD.module,
    version: ARGOCD.version,
    dir: ARGOCD.crdDir,
    files: ARGOCD.crds,
  });
}
