/**
 * Address ranges as [first, last] integers, to compare the analyzer's address nodes
 * (`0.0.0.0-9.255.255.255`, `172.16.0.2/32`, lists of them) with CIDRs minus exceptions.
 * IPv6 addresses are offset by 2^128 so the two families never overlap.
 */
const V6_OFFSET = 1n << 128n;

function v4(text: string): bigint {
  return text.split('.').reduce((acc, o) => (acc << 8n) + BigInt(Number(o)), 0n);
}

function v6(text: string): bigint {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return V6_OFFSET + groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}

const address = (text: string): bigint => (text.includes(':') ? v6(text) : v4(text));

/** The range of one CIDR. */
export function cidrRange(cidr: string): [bigint, bigint] {
  const [ip, bits] = cidr.split('/');
  const width = ip.includes(':') ? 128n : 32n;
  const size = 1n << (width - BigInt(Number(bits ?? width)));
  const first = address(ip) - ((address(ip) - (ip.includes(':') ? V6_OFFSET : 0n)) % size);
  return [first, first + size - 1n];
}

/** The ranges of `cidr` minus `except`. */
export function rangesOfCidr(cidr: string, except: readonly string[]): Array<[bigint, bigint]> {
  let ranges = [cidrRange(cidr)];
  for (const e of except.map(cidrRange)) {
    ranges = ranges.flatMap(([lo, hi]): Array<[bigint, bigint]> => {
      if (e[1] < lo || e[0] > hi) return [[lo, hi]];
      return [...(e[0] > lo ? [[lo, e[0] - 1n] as [bigint, bigint]] : []), ...(e[1] < hi ? [[e[1] + 1n, hi] as [bigint, bigint]] : [])];
    });
  }
  return ranges;
}

/** The ranges of an analyzer address node: `a-b`, a CIDR or an address, comma-separated. */
export function ipRanges(node: string): Array<[bigint, bigint]> {
  return node.split(',').map((part) => part.trim()).filter(Boolean).map((part): [bigint, bigint] => {
    if (part.includes('/')) return cidrRange(part);
    const dash = part.indexOf('-');
    if (dash > 0) return [address(part.slice(0, dash)), address(part.slice(dash + 1))];
    return [address(part), address(part)];
  });
}
