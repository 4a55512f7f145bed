import type { VaultWrite } from './adapter.ts';

/**
 * The VaultAdapter operations that are only a Vault API path over read/write/delete, written
 * once for every adapter (real and fake), so both address Vault the same way.
 */
export abstract class PathOperations {
  abstract write(request: VaultWrite): Promise<void>;
  abstract read(path: string): Promise<Record<string, unknown> | undefined>;
  abstract delete(path: string): Promise<void>;

  writePolicy(name: string, hcl: string): Promise<void> {
    return this.write({ path: `sys/policies/acl/${name}`, body: { policy: hcl } });
  }

  async readPolicy(name: string): Promise<string | undefined> {
    return (await this.read(`sys/policies/acl/${name}`))?.policy as string | undefined;
  }

  deletePolicy(name: string): Promise<void> {
    return this.delete(`sys/policies/acl/${name}`);
  }

  deleteKubernetesRole(mount: string, name: string): Promise<void> {
    return this.delete(`auth/${mount}/role/${name}`);
  }
}
