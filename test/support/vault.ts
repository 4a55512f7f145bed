import type { VaultAdapter } from '../../src/vault/adapter.ts';
import { VaultUnavailableError } from '../../src/vault/errors.ts';

/** A real adapter that tests can take down (every call fails as Vault unreachable) and count. */
export interface SwitchableVault extends VaultAdapter {
  down: boolean;
  /** Calls made so far. */
  calls: () => number;
  /** Calls that change Vault (write, delete, kvWrite, kvDestroy, ...) made so far. */
  writes: () => number;
}

const READS = new Set([
  'read',
  'readPolicy',
  'kvRead',
  'kvMetadata',
  'lookupAccessor',
  'listAccessors',
  'list',
  'kubernetesLogin',
]);

export function switchableVault(inner: VaultAdapter): SwitchableVault {
  const counts = { calls: 0, writes: 0 };
  const state = { down: false };
  const extra = {
    calls: () => counts.calls,
    writes: () => counts.writes,
  };
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'down') return state.down;
      if (property === 'calls' || property === 'writes') return extra[property];
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const name = String(property);
      return (...args: unknown[]) => {
        counts.calls += 1;
        if (!READS.has(name)) counts.writes += 1;
        if (state.down)
          return Promise.reject(new VaultUnavailableError(name, 'switched off by the test'));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
    set(_target, property, value) {
      if (property !== 'down') return false;
      state.down = Boolean(value);
      return true;
    },
  }) as SwitchableVault;
}
