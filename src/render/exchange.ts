import { BlockList, isIPv6 } from 'node:net';
import type { ExchangeCredentialSpec } from '../api/index.ts';
import type { Platform } from '../api/platform/settings.ts';

/**
 * The platform's egress gateway IPs that an exchange credential's IP whitelist does not hold:
 * orders from those IPs would be refused by the exchange. Empty when the whitelist covers them
 * all (or the platform names none). The operator reports a non-empty answer as the
 * WhitelistMismatch condition.
 */
export function missingEgressIps(
  spec: Pick<ExchangeCredentialSpec, 'ipWhitelist'>,
  platform: Platform,
): string[] {
  const allowed = new BlockList();
  for (const range of spec.ipWhitelist) {
    const [address = '', prefix = ''] = range.split('/');
    allowed.addSubnet(address, Number(prefix), isIPv6(address) ? 'ipv6' : 'ipv4');
  }
  return platform.egressGateway.ips.filter(
    (ip) => !allowed.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4'),
  );
}
