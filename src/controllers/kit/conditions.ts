import {
  ConditionType,
  type Condition,
  type ConditionStatus,
} from '../../api/common/conditions.ts';
import { canonicalJson } from '../../lib/json.ts';
import { Reason } from './reasons.ts';

export { ConditionType, type Condition, type ConditionStatus };

/** A condition as the reconcile decides it; the writer adds lastTransitionTime. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

export function condition(
  type: string,
  status: ConditionStatus,
  reason: string,
  message: string,
): ConditionInput {
  return { type, status, reason, message };
}

export interface ObjectStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  [field: string]: unknown;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** Kubernetes wants RFC 3339 with second precision for metav1.Time. */
export function metaTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Sets one condition: `lastTransitionTime` moves only when the status flips; reason, message
 * and observedGeneration are updated in place. Order of existing conditions is kept.
 */
export function setCondition(
  conditions: readonly Condition[],
  next: ConditionInput,
  now: Date,
): Condition[] {
  const old = findCondition(conditions, next.type);
  const lastTransitionTime =
    old && old.status === next.status ? old.lastTransitionTime : metaTime(now);
  const updated: Condition = { ...next, lastTransitionTime };
  if (!old) return [...conditions, updated];
  return conditions.map((condition) => (condition.type === next.type ? updated : condition));
}

/**
 * The status a reconcile wants: the given conditions set (with the generation it observed),
 * extra status fields merged, other conditions kept.
 */
export function nextStatus(
  current: ObjectStatus | undefined,
  update: { generation: number; conditions: ConditionInput[]; fields?: Record<string, unknown> },
  now: Date,
): ObjectStatus {
  let conditions = current?.conditions ?? [];
  for (const condition of update.conditions) {
    conditions = setCondition(
      conditions,
      { ...condition, observedGeneration: update.generation },
      now,
    );
  }
  return { ...current, ...update.fields, observedGeneration: update.generation, conditions };
}

/** Write status only when this is false: compares by value, ignoring key order. */
export function statusEqual(a: ObjectStatus | undefined, b: ObjectStatus | undefined): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b ?? {});
}

/**
 * Ready summarises the problem conditions: False with the first problem's reason when any
 * is True, else True with `Reconciled`.
 */
export function readyCondition(
  problems: readonly ConditionInput[],
  message = 'all resources are up to date',
): ConditionInput {
  const problem = problems.find((condition) => condition.status === 'True');
  if (problem)
    return {
      type: ConditionType.Ready,
      status: 'False',
      reason: problem.reason,
      message: problem.message,
    };
  return { type: ConditionType.Ready, status: 'True', reason: Reason.Reconciled, message };
}
