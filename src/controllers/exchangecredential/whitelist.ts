import { BlockList, isIP } from 'node:net';
import {
  ExchangeCredentialConditionType,
  type ExchangeCredential,
  type ExchangeKeyStatus,
} from '../../api/exchangecredential/schema.ts';
import { missingEgressIps } from '../../render/exchange.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { condition, type ConditionInput } from '../kit/conditions.ts';
import { ExchangeCredentialReason as ExchangeReason } from './reasons.ts';

/** An address or a range (`a`, `a/n`) as address, prefix length and family; undefined if neither. */
function parse(
  entry: string,
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', length] = entry.split('/');
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = length === undefined ? max : Number(length);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * The entries (addresses or ranges) no range of `ranges` holds whole: `a/n` lies in `b/w` when
 * w <= n and a is in b/w. An entry that is not an address at all is never held (fail closed).
 */
export function uncovered(ranges: readonly string[], entries: readonly string[]): string[] {
  const parsed = ranges.map(parse).filter((r) => r !== undefined);
  return entries.filter((entry) => {
    const e = parse(entry);
    if (!e) return true;
    return !parsed.some((r) => {
      if (r.family !== e.family || r.prefix > e.prefix) return false;
      const list = new BlockList();
      list.addSubnet(r.address, r.prefix, r.family);
      return list.check(e.address, e.family);
    });
  });
}

const mismatch = (reason: string, message: string) =>
  condition(ExchangeCredentialConditionType.WhitelistMismatch, 'True', reason, message);

/** What the exchange's last answer about the key says of its IP binding, checked against the spec. */
function exchangeMismatch(
  credential: ExchangeCredential,
  platform: Platform,
  answer: ExchangeKeyStatus,
): ConditionInput | undefined {
  const { exchange, ipWhitelist } = credential.spec;
  if (answer.ipRestricted === false)
    return mismatch(
      ExchangeReason.KeyNotIpRestricted,
      `${exchange} says the key is bound to no IP, so it works from anywhere: bind it at the exchange to spec.ipWhitelist (${ipWhitelist.join(', ')})`,
    );
  const ips = answer.ips ?? [];
  const undeclared = uncovered(ipWhitelist, ips);
  if (undeclared.length > 0)
    return mismatch(
      ExchangeReason.ExchangeIpsNotDeclared,
      `${exchange} binds the key to ${undeclared.join(', ')}, not in spec.ipWhitelist: remove them at the exchange, or declare them`,
    );
  const unbound = answer.ips ? uncovered(ips, platform.egressGateway.ips) : [];
  if (unbound.length > 0)
    return mismatch(
      ExchangeReason.EgressIpNotBoundAtExchange,
      `${exchange} does not bind the key to egress IPs ${unbound.join(', ')} (it binds ${ips.join(', ')}): orders from them would be refused; bind them at the exchange`,
    );
  return undefined;
}

function agreement(exchange: string, answer: ExchangeKeyStatus | undefined): string {
  if (answer?.ips) return `; ${exchange} binds the key to ${answer.ips.join(', ')}, all in it`;
  if (answer?.ipRestricted) return `; ${exchange} says the key is IP-restricted (not to which IPs)`;
  return '';
}

/**
 * WhitelistMismatch: the platform's egress IPs must be in spec.ipWhitelist, and when the
 * exchange answered for the key, its IP binding must agree: bound at all, to nothing undeclared,
 * and (when it lists the IPs) to every egress IP. `answer` is the exchange's last accepted answer
 * about the current key, if any.
 */
export function whitelistCondition(
  credential: ExchangeCredential,
  platform: Platform,
  answer?: ExchangeKeyStatus,
): ConditionInput {
  const missing = missingEgressIps(credential.spec, platform);
  if (missing.length > 0)
    return mismatch(
      ExchangeReason.EgressIpNotWhitelisted,
      `egress IPs not in ipWhitelist: ${missing.join(', ')} (fix: add them as /32 or /128, and at the exchange)`,
    );
  const fromExchange = answer && exchangeMismatch(credential, platform, answer);
  if (fromExchange) return fromExchange;
  return condition(
    ExchangeCredentialConditionType.WhitelistMismatch,
    'False',
    ExchangeReason.EgressIpsWhitelisted,
    `every egress gateway IP is in ipWhitelist${agreement(credential.spec.exchange, answer)}`,
  );
}
