import { z } from 'zod';

/**
 * Status shapes shared by every kind, following metav1.Condition: the operator writes them, so
 * the schema mirrors the apiserver's own bounds rather than adding rules of its own.
 */
export const CONDITION_STATUS = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof CONDITION_STATUS)[number];

export const ConditionSchema = z
  .strictObject({
    type: z
      .string()
      .min(1)
      .max(316)
      .regex(
        /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
      )
      .describe('Type of condition in CamelCase, for example Ready.'),
    status: z.enum(CONDITION_STATUS).describe('Status of the condition: True, False or Unknown.'),
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('The .metadata.generation the condition was set from.'),
    lastTransitionTime: z.iso
      .datetime()
      .describe('When the condition last changed status (not when it was last written).'),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .describe('Programmatic identifier, CamelCase, for the last transition.'),
    message: z.string().max(32768).describe('Human readable details of the last transition.'),
  })
  .describe('A metav1.Condition.');

export type Condition = z.infer<typeof ConditionSchema>;

export const conditionsList = z
  .array(ConditionSchema)
  .max(32)
  .meta({
    description: 'Current state of the object; Ready is the summary condition.',
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  });

/** The fields every status has. */
export const statusBase = {
  observedGeneration: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('The .metadata.generation the operator last reconciled.'),
  conditions: conditionsList.optional(),
};

/**
 * Condition types every posture kind reports (each names Vault paths and may depend on other
 * CRs); a kind adds its own beside them in its schema file. Ready summarises the others.
 */
export const ConditionType = {
  Ready: 'Ready',
  InvalidSpec: 'InvalidSpec',
  VaultUnavailable: 'VaultUnavailable',
  /** Something another CR or Vault must provide is missing. */
  Degraded: 'Degraded',
  /** The CR asks for what its namespace does not own (docs/adr/0037-vault-tenancy.md). */
  Forbidden: 'Forbidden',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];
