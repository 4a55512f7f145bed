import type { z } from 'zod';
import { issueLines } from '../../api/validate/issues.ts';
import { TerminalError } from '../../operator/errors.ts';
import { ConditionType, condition, readyCondition, type ConditionInput } from './conditions.ts';
import { Reason } from './reasons.ts';
import type { Cached, StatusWriter } from './status-writer.ts';

/** The cached object checked like the apiserver did: the typed object, or why it is not valid. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseObject<T>(
  schema: { safeParse: (value: unknown) => z.ZodSafeParseResult<T> },
  object: unknown,
): Parsed<T> {
  const parsed = schema.safeParse(object);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: issueLines(parsed.error).join('; ') };
}

export const specValid: ConditionInput = condition(
  ConditionType.InvalidSpec,
  'False',
  Reason.SpecValid,
  'spec valid',
);

/** InvalidSpec True naming every field and its fix, and Ready False for the same reason. */
export function invalidSpecConditions(message: string): ConditionInput[] {
  const problem = condition(ConditionType.InvalidSpec, 'True', Reason.InvalidSpec, message);
  return [problem, readyCondition([problem])];
}

/**
 * The one invalid-spec path of every kind: the conditions go to status, then a TerminalError
 * stops retries until the object changes (a new spec re-triggers the reconcile).
 */
export async function rejectSpec(
  writer: StatusWriter,
  object: Cached,
  message: string,
  signal?: AbortSignal,
): Promise<never> {
  await writer.write(object, { conditions: invalidSpecConditions(message) }, signal);
  throw new TerminalError(Reason.InvalidSpec, message);
}
