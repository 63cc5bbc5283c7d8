import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FteValidationError } from '../../src/errors';
import { loadStackSpec } from '../../src/environment/stack-files';

const FILE = 'stacks/Pulumi.broken.yaml';
const KEY = 'ftekit:environment';

/** A stack file with independent faults in different entries: shape faults and construct rules. */
const BROKEN = `config:
  kubernetes:context: minikube
  ${KEY}:
    namespace: digital-ftes
    egressEnforcement: kubernetes
    ftes:
      - name: agent
        image: ghcr.io/acme/agent:1.0.0
        resources:
          cpu: { request: 250m, limit: "1" }
          memory: { request: 1Gi, limit: 512Mi }
        egress: ["api.openai.com:443"]
        shutdownPolicy: Delete
      - name: writer
        image: ghcr.io/acme/writer:latest
        colour: blue
        resources:
          cpu: { request: 250m, limit: "1" }
          memory: { request: 256Mi, limit: 512Mi }
        secretMounts: [{ secret: creds, path: /tmp }]
    pools:
      - name: code-exec
        image: ghcr.io/acme/sandbox:1.4.0
        resources:
          cpu: { request: 100m, limit: 500m }
          memory: { request: 256Mi, limit: 512Mi }
        ports: [{ name: http, port: "8080" }]
      - name: browser
        image: ghcr.io/acme/browser:2.0.0
        replicas: 2
        autoscaling: { minReplicas: 1, maxReplicas: 3, prometheusAddress: "prometheus:9090" }
        resources:
          cpu: { request: 100m, limit: 500m }
          memory: { request: 256Mi, limit: 512Mi }
    daprWorkers:
      - name: fastapi
        image: ghcr.io/acme/fastapi:2.0.0
        resources:
          cpu: { request: 100m, limit: 500m }
          memory: { request: 256Mi, limit: 512Mi }
        ports: [{ name: http, port: 8000 }]
    monitoring: { prometheusNamespace: 5 }
    quotaHeadroom: 20
`;

function loadBroken(): FteValidationError {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-broken-'));
  try {
    fs.writeFileSync(path.join(dir, 'Pulumi.broken.yaml'), BROKEN);
    loadStackSpec(dir, 'broken');
  } catch (e) {
    expect(e).toBeInstanceOf(FteValidationError);
    return e as FteValidationError;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  throw new Error('expected the stack file to be rejected');
}

describe('loadStackSpec', () => {
  test('throws when a stack file has many faults: every one in one run, in file order, each with file, field, value and expectation', () => {
    const error = loadBroken();
    // [field under ftekit:environment, what the line says after the field]
    const expected: Array<[string, RegExp]> = [
      ['ftes[0].resources.memory', /^request 1Gi is greater than the limit 512Mi; expected request <= limit$/],
      ['ftes[0].egress[0]', /^hostname "api\.openai\.com" cannot be enforced by a Kubernetes NetworkPolicy; expected .*cilium/],
      ['ftes[0].shutdownPolicy', /^"Delete" is set without shutdownTime; expected a shutdownTime/],
      ['ftes[1].image', /"ghcr\.io\/acme\/writer:latest" uses the mutable tag "latest"; expected a version tag or a @sha256 digest$/],
      ['ftes[1].colour', /^unknown field "colour"; expected one of name, image, /],
      ['ftes[1].secretMounts[0].path', /^"\/tmp" is taken by the writable \/tmp volume; expected another path$/],
      ['pools[0].ports[0].port', /^"8080" is not a whole number$/],
      ['pools[1].replicas', /^2 is set together with autoscaling; expected one of them/],
      ['pools[1].autoscaling', /^is set without demand; expected demand too/],
      ['pools[1].autoscaling.prometheusAddress', /^"prometheus:9090" is not an http\(s\) URL; expected e\.g\. http:\/\/prometheus-operated\.monitoring\.svc:9090$/],
      ['daprWorkers[0].readiness', /^is missing; expected a readiness probe/],
      ['monitoring.prometheusNamespace', /^5 is not a non-empty string$/],
      ['quotaHeadroom', /^20 is out of range; expected a number from 1 to 10$/],
    ];
    expect(error.problems.map((p) => p.field)).toEqual(expected.map(([field]) => `${KEY}.${field}`));
    error.problems.forEach((p, i) => {
      expect(p.where).toBe(FILE);
      expect(p.message).toMatch(expected[i][1]);
    });
    // The values the user wrote travel with the problems.
    expect(error.problems.find((p) => p.field.endsWith('egress[0]'))?.value).toBe('api.openai.com:443');
    expect(error.problems.find((p) => p.field.endsWith('ports[0].port'))?.value).toBe('8080');
    // One line per problem: file, field path, then what is wrong; no construct paths, internal names or doubled prefixes.
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(expected.length);
    lines.forEach((line, i) => expect(line.startsWith(`${FILE}: ${KEY}.${expected[i][0]}: `)).toBe(true));
    expect(error.message).not.toMatch(/ at '|Peer\.parse|EgressAllowlist|FteSandbox|SandboxPool|DaprWorker/);
  });
});
