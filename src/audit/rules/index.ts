import type { Rule } from '../rule.ts';
import { actionsPinUnlabelled } from './actions-pin-unlabelled.ts';
import { actionsUnpinned } from './actions-unpinned.ts';
import { deploymentNoNetworkPolicy } from './deployment-no-network-policy.ts';
import { dockerfileFromNotPinned } from './dockerfile-from-not-pinned.ts';
import { dotenvSecret } from './dotenv-secret.ts';
import { failOpenDefault } from './fail-open-default.ts';
import { imageNotPinned } from './image-not-pinned.ts';
import { kubernetesSecretPlaintext } from './kubernetes-secret-plaintext.ts';
import { literalPassword } from './literal-password.ts';
import { secretEnvValue } from './secret-env-value.ts';
import { workflowNoPermissions } from './workflow-no-permissions.ts';
import { workflowPrTargetCheckout } from './workflow-pr-target-checkout.ts';
import { workflowWriteAll } from './workflow-write-all.ts';

/** Every rule `posture audit` runs, in the order its documentation lists them. */
export const RULES: readonly Rule[] = [
  actionsUnpinned,
  actionsPinUnlabelled,
  workflowPrTargetCheckout,
  workflowWriteAll,
  workflowNoPermissions,
  imageNotPinned,
  dockerfileFromNotPinned,
  kubernetesSecretPlaintext,
  dotenvSecret,
  literalPassword,
  failOpenDefault,
  secretEnvValue,
  deploymentNoNetworkPolicy,
];
