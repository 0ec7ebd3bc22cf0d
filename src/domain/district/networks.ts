/**
 * The district's school networks: address ranges (CIDR, IPv4 or IPv6) from which its school buildings
 * reach the portal. Checked with Node's own `net.BlockList`, which compares addresses as numbers
 * (no string prefixes), for both families.
 */
import { BlockList, isIP } from 'node:net';

/** 'a.b.c.d/n' or 'x::y/n' (a bare address is a range of one); null when it is neither. */
export function parseNetwork(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  if (rest.length > 0) return null;
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** An IPv4 address written as IPv6 ('::ffff:10.0.0.7', as a dual-stack socket reports it) is the IPv4 address. */
function plain(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip;
}

export class SchoolNetworks {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(ranges: readonly string[]) {
    for (const range of ranges) {
      const net = parseNetwork(range);
      if (net) this.list.addSubnet(net.address, net.prefix, net.family);
    }
    this.empty = ranges.length === 0;
  }

  /** Is this address inside one of the ranges? (False for no address.) */
  has(ip: string | null | undefined): boolean {
    if (!ip) return false;
    const address = plain(ip);
    const version = isIP(address);
    if (version === 0) return false;
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}
