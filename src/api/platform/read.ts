import type { z } from 'zod';
import { PosturePlatformSchema } from './schema.ts';
import { platformSchema, type Platform } from './settings.ts';

/** True for the bare settings map platform.yaml was before the PosturePlatform kind. */
export function isBareSettings(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return !('kind' in value) && !('apiVersion' in value);
}

export const BARE_SETTINGS_WARNING =
  'a bare settings map is read for now, but `kubectl apply` refuses it: make it a PosturePlatform ' +
  '(apiVersion: posture.dev/v1alpha1, kind: PosturePlatform, metadata.name: posture, and the ' +
  'settings indented under spec:)';

export type SettingsRead =
  { ok: true; platform: Platform; bare: boolean } | { ok: false; error: z.ZodError; bare: boolean };

/**
 * The settings in one parsed document: a PosturePlatform object's spec, or a bare settings map
 * (docs/adr/0053-bare-platform-file.md). Issue paths start at the document (`spec.vault...`).
 */
export function settingsOf(value: unknown): SettingsRead {
  if (isBareSettings(value)) {
    const bare = platformSchema.safeParse(value);
    return bare.success
      ? { ok: true, platform: bare.data, bare: true }
      : { ok: false, error: bare.error, bare: true };
  }
  const object = PosturePlatformSchema.safeParse(value);
  return object.success
    ? { ok: true, platform: object.data.spec, bare: false }
    : { ok: false, error: object.error, bare: false };
}
