import {
  checkCidr, checkDnsLabel, checkPortName, checkHostname, checkLabelKey, checkLabelValue, checkMountPath, checkPinnedImage, checkPort, checkRfc3339, cidrContains, looksSecret,
} from '../src/_validate';
import { parseCpu, parseSize, sizeQuantity, cpuMillis } from '../src/_quantities';

describe('input checks', () => {
  test.each(['a', 'research-analyst', 'x1', 'a'.repeat(63)])('accepts DNS label %p', (v) => expect(checkDnsLabel(v)).toBeUndefined());
  test.each(['', 'A', 'Research', '-a', 'a-', 'a_b', 'a.b', 'a'.repeat(64), 'dé', 42])('rejects DNS label %p', (v) => {
    expect(checkDnsLabel(v)).toMatch(/not a valid name; expected an RFC 1123 label/);
  });

  test.each([1, 53, 443, 65535])('accepts port %p', (v) => expect(checkPort(v)).toBeUndefined());
  test.each([0, -1, 65536, 99999, 1.5, '443', NaN])('rejects port %p', (v) => expect(checkPort(v)).toMatch(/out of range; expected an integer 1-65535/));

  test.each(['http', 'dapr-metrics', 'h2c', 'a1', 'abcdefghijklmno'])('accepts port name %p', (v) => expect(checkPortName(v)).toBeUndefined());
  test.each(['8080', 'a--b', 'Http', 'http_alt', '-http', 'abcdefghijklmnop', ''])('rejects port name %p', (v) => {
    expect(checkPortName(v)).toMatch(/not a valid port name; expected an IANA service name/);
  });

  test.each(['10.0.0.0/8', '0.0.0.0/0', '192.168.1.7/32', '::/0', 'fd00::/8', '2001:db8::/32', 'fe80::/10', '::1/128'])('accepts CIDR %p', (v) => {
    expect(checkCidr(v)).toBeUndefined();
  });
  test.each([
    ['10.0.0.1/8', 'host bits set'],
    ['10.0.0.0', 'missing /prefix'],
    ['256.0.0.0/8', 'bad address'],
    ['10.0.0.0/33', 'longer than 32 bits'],
    ['fd00::/129', 'longer than 128 bits'],
    ['1:2:3:4:5:6:7:8:9/64', 'bad address'],
    ['010.0.0.0/8', 'bad address'],
    ['abc', 'missing /prefix'],
  ])('rejects CIDR %p (%s)', (v, why) => expect(checkCidr(v)).toContain(why));

  test('cidrContains', () => {
    expect(cidrContains('10.0.0.0/8', '10.1.0.0/16')).toBe(true);
    expect(cidrContains('10.0.0.0/8', '11.0.0.0/16')).toBe(false);
    expect(cidrContains('10.1.0.0/16', '10.0.0.0/8')).toBe(false);
    expect(cidrContains('::/0', 'fc00::/7')).toBe(true);
    expect(cidrContains('0.0.0.0/0', 'fc00::/7')).toBe(false);
  });

  test.each(['api.anthropic.com', '*.googleapis.com', 'a.b'])('accepts hostname %p', (v) => expect(checkHostname(v)).toBeUndefined());
  test.each(['localhost', 'api.*.com', '*', '*.', 'a.*', '**.googleapis.com', 'API.anthropic.com', 'a..b', 'a_b.com', `${'a'.repeat(64)}.com`, 'exämple.com'])('rejects hostname %p', (v) => {
    expect(checkHostname(v)).toMatch(/'\*' allowed only as the whole leftmost label/);
  });

  test.each(['nginx:1.27', 'ghcr.io/acme/agent:1.2.3', 'localhost:5000/a/b:v1', `alpine@sha256:${'a'.repeat(64)}`, `ghcr.io/x/y:1@sha256:${'b'.repeat(64)}`, 'ghcr.io/acme/my--agent:1', 'acme/a__b:2', 'a--0:1'])('accepts pinned image %p', (v) => {
    expect(checkPinnedImage(v)).toBeUndefined();
  });
  test('rejects latest, untagged and malformed images', () => {
    expect(checkPinnedImage('nginx:latest')).toMatch(/mutable tag "latest"/);
    expect(checkPinnedImage('ghcr.io/acme/agent')).toMatch(/not pinned/);
    expect(checkPinnedImage('Nginx:1')).toMatch(/not a valid image reference/);
    expect(checkPinnedImage('nginx@sha256:abc')).toMatch(/not a valid image reference/);
    for (const bad of ['a..b:1', 'a___b:1', 'a-:1', '-a:1', 'acme/_a:1']) expect(checkPinnedImage(bad)).toMatch(/not a valid image reference/);
  });

  test('label keys and values', () => {
    expect(checkLabelKey('app.kubernetes.io/name')).toBeUndefined();
    expect(checkLabelKey('a/b/c')).toMatch(/not a valid label key/);
    expect(checkLabelKey('Bad_Prefix.io/x')).toMatch(/not a valid label key/);
    expect(checkLabelValue('')).toBeUndefined();
    expect(checkLabelValue('-x')).toMatch(/not a valid label value/);
    expect(checkLabelValue('x'.repeat(64))).toMatch(/not a valid label value/);
  });

  test('RFC 3339 and mount paths', () => {
    expect(checkRfc3339('2026-12-31T18:00:00Z')).toBeUndefined();
    expect(checkRfc3339('2026-12-31T18:00:00.5+02:00')).toBeUndefined();
    expect(checkRfc3339('2026-13-01T00:00:00Z')).toMatch(/not an RFC 3339 date-time/);
    expect(checkRfc3339('2026-02-30T00:00:00Z')).toMatch(/not an RFC 3339 date-time/);
    expect(checkRfc3339('2026-04-31T12:00:00Z')).toMatch(/not an RFC 3339 date-time/);
    expect(checkRfc3339('2028-02-29T12:00:00Z')).toBeUndefined();
    expect(checkRfc3339('2026-02-29T12:00:00Z')).toMatch(/not an RFC 3339 date-time/);
    expect(checkRfc3339('tomorrow')).toMatch(/not an RFC 3339 date-time/);
    expect(checkMountPath('/workspace')).toBeUndefined();
    expect(checkMountPath('workspace')).toMatch(/absolute path/);
    expect(checkMountPath('/a/../etc')).toMatch(/absolute path/);
  });

  test('secret-looking names', () => {
    for (const n of ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN', 'DB_PASSWORD', 'client_secret', 'AWS_ACCESS_KEY_ID']) expect(looksSecret(n)).toBe(true);
    for (const n of ['LOG_LEVEL', 'MODEL', 'PORT']) expect(looksSecret(n)).toBe(false);
  });

  test('quantities parse exactly or explain', () => {
    expect(cpuMillis(parseCpu('500m') as any)).toBe(500);
    expect(cpuMillis(parseCpu('2') as any)).toBe(2000);
    expect(cpuMillis(parseCpu('0.25') as any)).toBe(250);
    expect(parseCpu('2 cores')).toMatch(/not a CPU quantity/);
    expect(parseCpu('0.0001')).toMatch(/finer than 1m/);
    expect(sizeQuantity(parseSize('4Gi') as any)).toBe('4Gi');
    expect(sizeQuantity(parseSize('1536Mi') as any)).toBe('1536Mi');
    expect(sizeQuantity(parseSize('1024k') as any)).toBe('1000Ki');
    expect(parseSize('1G')).toMatch(/whole number of KiB/);
    expect(parseSize('4GB')).toMatch(/not a size quantity/);
    expect(parseSize('1.5')).toMatch(/whole number of KiB/);
  });
});
