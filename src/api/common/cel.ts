import { z } from 'zod';

/**
 * A CEL rule for the apiserver (`x-kubernetes-validations`). It is attached to the zod schema
 * it belongs to as metadata, so the CRD generator finds it there and the rule sits next to the
 * zod refinement that enforces the same thing offline (docs/adr/0020-zod-as-single-source-for-crds.md).
 */
export interface CelRule {
  rule: string;
  message: string;
  /** JSONPath-like path of the field the error points at, relative to `self`: `.ports`. */
  fieldPath?: string;
  reason?:
    'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export const CEL_KEY = 'x-kubernetes-validations';

/** Attaches CEL rules to a schema without a zod twin: transition rules (`oldSelf`) for example. */
export function cel<T extends z.ZodType>(schema: T, ...rules: CelRule[]): T {
  const existing = (z.globalRegistry.get(schema)?.[CEL_KEY] ?? []) as CelRule[];
  return schema.meta({ [CEL_KEY]: [...existing, ...rules] });
}

export interface Rule<V> {
  /** The CEL expression, evaluated by the apiserver with `self` bound to the value. */
  cel: string;
  /** The same rule in TypeScript, evaluated by zod. */
  check: (value: V) => boolean;
  /** What is wrong, as the user sees it from zod and from the apiserver. */
  message: string;
  /** What to do about it. */
  fix: string;
  /** Property of the value the error is reported on (zod path and CEL fieldPath). */
  field?: string;
}

/** One rule, enforced twice: as a zod refinement and as a CEL rule in the CRD. */
export function rule<T extends z.ZodType>(schema: T, r: Rule<z.output<T>>): T {
  const refined = schema.refine(r.check, {
    message: r.message,
    params: { fix: r.fix },
    ...(r.field === undefined ? {} : { path: [r.field] }),
  });
  const celRule: CelRule = { rule: r.cel, message: `${r.message} (fix: ${r.fix})` };
  if (r.field !== undefined) celRule.fieldPath = `.${r.field}`;
  return cel(refined, celRule);
}

/** `self == oldSelf`: the field cannot change once set (only the apiserver can check this). */
export function immutable<T extends z.ZodType>(schema: T, what: string): T {
  return cel(schema, {
    rule: 'self == oldSelf',
    message: `${what} is immutable: create a new object instead`,
  });
}
