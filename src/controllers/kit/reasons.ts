/**
 * Reasons of the conditions every kind reports, written by the kit (invalid spec, Vault) and
 * the Ready summary. Reasons are constants (UpperCamelCase), never free text; the message
 * carries details. Each kind's reasons.ts spreads these and adds its own.
 */
export const Reason = {
  Reconciled: 'Reconciled',
  SpecValid: 'SpecValid',
  InvalidSpec: 'InvalidSpec',
  VaultReachable: 'VaultReachable',
  VaultUnavailable: 'VaultUnavailable',
  /** Vault answered and refused (403: the operator's policy lacks the call). */
  VaultRefused: 'VaultRefused',
  /** A problem condition (Degraded, Forbidden) that is False. */
  NoProblems: 'NoProblems',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];
