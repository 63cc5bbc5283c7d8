import { describeValue } from './errors';

/*
 * Pure checks shared by the constructs and the environment spec. Each returns `undefined`
 * when the value is acceptable, or a problem sentence naming the value and what is
 * expected; the caller adds where the value came from.
 */

export type Problem = string | undefined;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** RFC 1123 DNS label: what Kubernetes requires of most object names. */
export function checkDnsLabel(value: unknown, maxLength = 63): Problem {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || !DNS_LABEL.test(value)) {
    return `${describeValue(value)} is not a valid name; expected an RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most ${maxLength} characters`;
  }
  return undefined;
}

/**
 * RFC 1035 label, the rule for Service names: an RFC 1123 label that starts with a letter.
 * Workload names name Services (ours and the agent-sandbox controller's), so they follow it.
 */
export function checkServiceName(value: unknown): Problem {
  const label = checkDnsLabel(value);
  if (label !== undefined) return label;
  if (!/^[a-z]/.test(value as string)) return `${describeValue(value)} is not a valid name; expected it to start with a letter (it names a Service, an RFC 1035 label)`;
  return undefined;
}

/**
 * Namespaces an FTE namespace must not be: Kubernetes' own and the operators'. FteNamespace
 * puts a select-all default deny and Pod Security `restricted` on its namespace, which in
 * kube-system would cut DNS for the whole cluster.
 */
export const RESERVED_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'dapr-system', 'agent-sandbox-system', 'vault-secrets-operator-system'];

/** An FTE namespace: not one of {@link RESERVED_NAMESPACES} nor `kube-*`. */
export function checkFteNamespaceName(value: string): Problem {
  if (RESERVED_NAMESPACES.includes(value) || value.startsWith('kube-')) {
    return `${JSON.stringify(value)} is a system or operator namespace; expected a namespace of its own (its default deny and Pod Security restricted would break what runs there)`;
  }
  return undefined;
}

/** RFC 1123 DNS subdomain: dot-separated labels, at most 253 characters. */
export function checkDnsSubdomain(value: unknown): Problem {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253 || !value.split('.').every((l) => DNS_LABEL.test(l))) {
    return `${describeValue(value)} is not a valid name; expected an RFC 1123 subdomain: dot-separated lowercase labels, at most 253 characters`;
  }
  return undefined;
}

/** Label or annotation key: optional DNS-subdomain prefix and a name of at most 63 characters. */
export function checkLabelKey(value: unknown): Problem {
  const bad = `${describeValue(value)} is not a valid label key; expected [prefix/]name with an RFC 1123 subdomain prefix and a name of at most 63 alphanumerics, '-', '_' or '.'`;
  if (typeof value !== 'string') return bad;
  const slash = value.lastIndexOf('/');
  const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
  const name = slash >= 0 ? value.slice(slash + 1) : value;
  if (prefix !== undefined && checkDnsSubdomain(prefix) !== undefined) return bad;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return bad;
  return undefined;
}

/** Label value: empty, or at most 63 alphanumerics, '-', '_' or '.'. */
export function checkLabelValue(value: unknown): Problem {
  if (typeof value !== 'string' || value.length > 63 || (value.length > 0 && !LABEL_NAME.test(value))) {
    return `${describeValue(value)} is not a valid label value; expected at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}

/** Every key and value of a label map. */
export function checkLabels(labels: Record<string, unknown> | undefined): Problem {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const problem = checkLabelKey(key) ?? checkLabelValue(value);
    if (problem) return `label ${describeValue(key)}: ${problem}`;
  }
  return undefined;
}

/** TCP/UDP port number. */
export function checkPort(value: unknown): Problem {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    return `port ${describeValue(value)} is out of range; expected an integer 1-65535`;
  }
  return undefined;
}

/** Container port name: an IANA service name (at most 15 characters, a letter, no '--'). */
export function checkPortName(value: unknown): Problem {
  if (typeof value !== 'string' || value.length > 15 || !DNS_LABEL.test(value) || !/[a-z]/.test(value) || value.includes('--')) {
    return `${describeValue(value)} is not a valid port name; expected an IANA service name: at most 15 lowercase letters, digits and '-', with at least one letter and no '--'`;
  }
  return undefined;
}

/** A whole number within [min, max]. */
export function checkInteger(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): Problem {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}-${max}`;
    return `${describeValue(value)} is not a whole number in range ${range}`;
  }
  return undefined;
}

/** IPv4 or IPv6 network in CIDR notation, with the host bits cleared. */
export function checkCidr(value: unknown): Problem {
  const bad = (why: string): string => `${describeValue(value)} is not a valid CIDR (${why}); expected e.g. 10.0.0.0/8 or fd00::/8`;
  if (typeof value !== 'string') return bad('not a string');
  const parsed = parseCidr(value);
  if (typeof parsed === 'string') return bad(parsed);
  return undefined;
}

/** True when `inner` is a sub-network of `outer` (both valid CIDRs of the same family). */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (typeof o === 'string' || typeof i === 'string' || o.bits.length !== i.bits.length) return false;
  if (i.prefix < o.prefix) return false;
  return o.bits.slice(0, o.prefix) === i.bits.slice(0, o.prefix);
}

interface ParsedCidr { readonly bits: string; readonly prefix: number }

function parseCidr(value: string): ParsedCidr | string {
  const parts = value.split('/');
  if (parts.length !== 2 || !/^\d{1,3}$/.test(parts[1])) return 'missing /prefix';
  const prefix = Number(parts[1]);
  const bits = value.includes(':') ? ipv6Bits(parts[0]) : ipv4Bits(parts[0]);
  if (bits === undefined) return 'bad address';
  if (prefix > bits.length) return `prefix /${prefix} is longer than ${bits.length} bits`;
  if (bits.slice(prefix).includes('1')) return 'host bits set';
  return { bits, prefix };
}

function ipv4Bits(addr: string): string | undefined {
  const octets = addr.split('.');
  if (octets.length !== 4 || !octets.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255)) return undefined;
  return octets.map((o) => Number(o).toString(2).padStart(8, '0')).join('');
}

function ipv6Bits(addr: string): string | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(addr)) return undefined;
  const halves = addr.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}

/**
 * Hostname for an egress rule: RFC 1123 labels (lowercase), at least two labels, with an
 * optional `*` as the whole leftmost label only (Cilium's `*` matches within one label).
 */
export function checkHostname(value: unknown): Problem {
  const bad = `${describeValue(value)} is not a valid hostname; expected RFC 1123 labels such as api.anthropic.com, with '*' allowed only as the whole leftmost label (*.googleapis.com)`;
  if (typeof value !== 'string' || value.length === 0 || value.length > 253) return bad;
  const labels = value.split('.');
  if (labels.length < 2) return bad;
  return labels.every((label, i) => (i === 0 && label === '*') || (label.length <= 63 && DNS_LABEL.test(label))) && labels[labels.length - 1] !== '*'
    ? undefined
    : bad;
}

// Path components follow the distribution reference grammar: separators are '.', '_', '__' or
// any run of '-' (so `my--agent` and `my__agent` are valid, `a..b` and `a___b` are not).
const IMAGE = /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/;

/** Container image reference pinned by a tag other than `latest`, or by a sha256 digest. */
export function checkPinnedImage(value: unknown): Problem {
  if (typeof value !== 'string') return `${describeValue(value)} is not an image reference; expected e.g. ghcr.io/acme/agent:1.4.2 or ...@sha256:<64 hex>`;
  const m = IMAGE.exec(value);
  if (!m) return `${describeValue(value)} is not a valid image reference; expected e.g. ghcr.io/acme/agent:1.4.2 or ...@sha256:<64 hex>`;
  const [, tag, digest] = m;
  if (digest) return undefined;
  if (!tag) return `image ${describeValue(value)} is not pinned; expected an explicit tag other than "latest", or a @sha256 digest`;
  if (tag === 'latest') return `image ${describeValue(value)} uses the mutable tag "latest"; expected a version tag or a @sha256 digest`;
  return undefined;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 date-time, e.g. 2026-12-31T18:00:00Z. */
export function checkRfc3339(value: unknown): Problem {
  const bad = `${describeValue(value)} is not an RFC 3339 date-time; expected e.g. 2026-12-31T18:00:00Z`;
  if (typeof value !== 'string') return bad;
  const m = RFC3339.exec(value);
  if (!m || Number.isNaN(Date.parse(value))) return bad;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  // Date.parse rolls 2026-02-30 over to March; the API server refuses it.
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 60) return bad;
  return undefined;
}

/** Absolute, normalised filesystem path inside a container. */
export function checkMountPath(value: unknown): Problem {
  if (typeof value !== 'string' || !value.startsWith('/') || value.split('/').some((p, i) => i > 0 && (p === '' || p === '.' || p === '..')) || value.includes(':')) {
    return `${describeValue(value)} is not a valid mount path; expected an absolute path such as /workspace without '..', '.' or empty segments`;
  }
  return undefined;
}

/** Environment variable name as Kubernetes accepts it (C identifier, dots and dashes allowed). */
export function checkEnvName(value: unknown): Problem {
  if (typeof value !== 'string' || !/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(value)) {
    return `${describeValue(value)} is not a valid environment variable name; expected letters, digits, '_', '-' or '.', not starting with a digit`;
  }
  return undefined;
}

const SECRET_LOOKING = /(secret|passw(or)?d|pwd|token|api[-_.]?key|apikey|credential|private[-_.]?key|access[-_.]?key|auth|cert|connection[-_.]?string|dsn)/i;

/** Whether an environment variable name suggests its value is a secret. */
export function looksSecret(name: string): boolean {
  return SECRET_LOOKING.test(name);
}

/** First duplicate in a list, by a key. */
export function findDuplicate<T>(items: readonly T[], key: (item: T) => string): string | undefined {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) return k;
    seen.add(k);
  }
  return undefined;
}

/**
 * Milliseconds of a Duration, possibly fractional or not finite; undefined when `duration`
 * is not one. cdk8s's own `toMilliseconds()` throws a plain Error for sub-millisecond and
 * NaN amounts (`Duration.seconds(0.0005)`), which must become a validation error instead.
 */
export function millisOf(duration: unknown): number | undefined {
  const d = duration as { toMilliseconds?: (options?: { integral?: boolean }) => unknown } | undefined;
  if (typeof d?.toMilliseconds !== 'function') return undefined;
  try {
    const ms = d.toMilliseconds({ integral: false });
    return typeof ms === 'number' ? ms : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Duration as whole seconds in `min`..`max`, or the problem. cdk8s's own `toSeconds()`
 * throws a plain Error for fractions (e.g. `Duration.millis(1500)`); this reports them.
 */
export function secondsOf(duration: unknown, min: number, max: number): number | string {
  const ms = millisOf(duration);
  if (ms === undefined) return `${describeValue(duration)} is not a Duration; expected e.g. Duration.seconds(30)`;
  if (!Number.isFinite(ms)) return `${ms}ms is not a finite Duration; expected e.g. Duration.seconds(30)`;
  if (ms % 1000 !== 0) return `${ms}ms is not a whole number of seconds; expected e.g. Duration.seconds(30)`;
  const s = ms / 1000;
  if (s < min || s > max) return `${s}s is out of range; expected whole seconds from ${min} to ${max}`;
  return s;
}

export function wholeSeconds(duration: { toMilliseconds(): number } | undefined, min = 0): number | string {
  const ms = millisOf(duration);
  if (ms === undefined || !Number.isFinite(ms) || ms % 1000 !== 0 || ms / 1000 < min) {
    return `${ms === undefined ? describeValue(duration) : `${ms}ms`} is not a whole number of seconds >= ${min}; expected e.g. Duration.seconds(30)`;
  }
  return ms / 1000;
}

/** Allowed values of the five cron fields, in order: minute, hour, day of month, month, day of week. */
const CRON_FIELDS: ReadonlyArray<readonly [name: string, min: number, max: number]> = [
  ['minute', 0, 59], ['hour', 0, 23], ['day of month', 1, 31], ['month', 1, 12], ['day of week', 0, 6],
];

/** The `@` shortcuts a cron schedule may be instead of five fields. */
export const CRON_SHORTCUTS: readonly string[] = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly'];

/**
 * A five-field cron schedule (`0 3 * * *`) or a shortcut (`@daily`), in the numeric form
 * SnapScheduler's CRD accepts: each field `*`, `*\/n`, `a`, `a-b`, `a/n` or a list `a,b,c`,
 * every number within the field's range (names such as `MON` and `?` are not accepted).
 */
export function checkCronSchedule(value: unknown): Problem {
  const expected = 'expected five fields "minute hour day-of-month month day-of-week" of numbers, *, */n, a-b, a/n or a,b,c (e.g. "0 3 * * *"), or one of ' + CRON_SHORTCUTS.join(', ');
  if (typeof value !== 'string') return `${describeValue(value)} is not a cron schedule; ${expected}`;
  if (CRON_SHORTCUTS.includes(value)) return undefined;
  const fields = value.split(' ');
  if (fields.length !== 5) return `${describeValue(value)} has ${value.trim() === '' ? 'no' : fields.length} field${fields.length === 1 ? '' : 's'} (fields are separated by one space); ${expected}`;
  for (let i = 0; i < 5; i++) {
    const [name, min, max] = CRON_FIELDS[i];
    const f = fields[i];
    const inRange = (n: string): boolean => Number(n) >= min && Number(n) <= max;
    let ok: boolean;
    let m: RegExpExecArray | null;
    if ((m = /^\*(?:\/(\d+))?$/.exec(f))) ok = m[1] === undefined || (Number(m[1]) >= 1 && Number(m[1]) <= max);
    else if ((m = /^(\d+)-(\d+)$/.exec(f))) ok = inRange(m[1]) && inRange(m[2]) && Number(m[1]) <= Number(m[2]);
    else if ((m = /^(\d+)\/(\d+)$/.exec(f))) ok = inRange(m[1]) && Number(m[2]) >= 1 && Number(m[2]) <= max;
    else if (/^\d+(,\d+)*$/.test(f)) ok = f.split(',').every(inRange);
    else ok = false;
    if (!ok) return `${describeValue(value)}: ${name} field ${describeValue(f)} is not valid (numbers ${min}-${max}); ${expected}`;
  }
  return undefined;
}
