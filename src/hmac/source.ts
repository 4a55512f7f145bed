import type { KeyRing } from './ring.ts';

/** A fixed ring, or something that holds the current one (the key file loader). */
export type RingSource = KeyRing | { current(): KeyRing };

export function currentRing(source: RingSource): KeyRing {
  return 'current' in source ? source.current() : source;
}
