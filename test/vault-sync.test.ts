import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DaprWorker, ExistingSecret, FteSandbox, IRolloutTarget, KafkaAuth, KvVersion, Probe, RolloutKind, VaultServer, VaultSync } from '../src';
import { registerRolloutTarget } from '../src/_rollout';
import { expectProblems } from './support/oracle';
import { describeWithShared, expectSchemaValid } from './support/schema';
import { chart as namespacedChart, one as find } from './support/synth';

/** Every test here builds in namespace `ns`. */
const chart = (namespace = 'ns'): Chart => namespacedChart(namespace);

const resources = {
  cpu: { request: Cpu.millis(100), limit: Cpu.units(1) },
  memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
};

function vault(c: Chart): VaultSync {
  return new VaultSync(c, 'vault', {
    server: VaultServer.connect({ address: 'https://vault.vault.svc:8200', caCert: ExistingSecret.fromName('vault-ca') }),
    role: 'digital-ftes',
    audiences: ['vault'],
  });
}

function worker(c: Chart, id: string, props: Partial<ConstructorParameters<typeof DaprWorker>[2]> = {}): DaprWorker {
  return new DaprWorker(c, id, { image: 'ghcr.io/acme/w:1.0.0', resources, ports: [{ name: 'http', number: 8000 }], readiness: Probe.httpGet('/healthz', 8000), ...props });
}

describe('VaultSync', () => {
  test('creates a VaultConnection, a kubernetes VaultAuth and its own ServiceAccount', () => {
    const c = chart();
    vault(c);
    const objs = Testing.synth(c);
    expect(find(objs, 'VaultConnection', 'vault').spec).toEqual({ address: 'https://vault.vault.svc:8200', skipTLSVerify: false, caCertSecretRef: 'vault-ca' });
    expect(find(objs, 'VaultAuth', 'vault').spec).toEqual({
      vaultConnectionRef: 'vault',
      method: 'kubernetes',
      mount: 'kubernetes',
      kubernetes: { role: 'digital-ftes', serviceAccount: 'vault-vault-auth', audiences: ['vault'], tokenExpirationSeconds: 600 },
    });
    const sa = find(objs, 'ServiceAccount', 'vault-vault-auth');
    expect(sa.automountServiceAccountToken).toBe(false);
  });

  test('reuses an existing connection by name', () => {
    const c = chart();
    new VaultSync(c, 'vault', { server: VaultServer.existingConnection('shared', 'vault-secrets-operator-system'), role: 'r', authMount: 'k8s-prod', vaultNamespace: 'team-a' });
    const objs = Testing.synth(c);
    expect(objs.some((o) => o.kind === 'VaultConnection')).toBe(false);
    expect(find(objs, 'VaultAuth').spec).toMatchObject({ vaultConnectionRef: 'vault-secrets-operator-system/shared', mount: 'k8s-prod', namespace: 'team-a' });
  });

  test('a static secret syncs one KV secret into an operator-owned Secret with HMAC on', () => {
    const c = chart();
    vault(c).addStaticSecret('llm-api-keys', { mount: 'secret', path: 'ftes/research-analyst/llm' });
    const vss = find(Testing.synth(c), 'VaultStaticSecret', 'llm-api-keys');
    expect(vss.spec).toEqual({
      vaultAuthRef: 'vault',
      type: 'kv-v2',
      mount: 'secret',
      path: 'ftes/research-analyst/llm',
      refreshAfter: '300s',
      hmacSecretData: true,
      destination: expect.objectContaining({ name: 'llm-api-keys', create: true, overwrite: false }),
    });
  });

  test('kv-v1, a pinned version and the refresh interval', () => {
    const c = chart();
    const v = vault(c);
    v.addStaticSecret('a', { mount: 'kv', path: 'a', kvVersion: KvVersion.V1, refreshAfter: Duration.hours(1) });
    v.addStaticSecret('b', { secretName: 'b-secret', mount: 'secret', path: 'b', version: 3 });
    const objs = Testing.synth(c);
    expect(find(objs, 'VaultStaticSecret', 'a').spec).toMatchObject({ type: 'kv-v1', refreshAfter: '3600s' });
    expect(find(objs, 'VaultStaticSecret', 'b-secret').spec).toMatchObject({ type: 'kv-v2', version: 3, destination: { name: 'b-secret' } });
  });

  test('envValue and mount reference the synced Secret by name', () => {
    const c = chart();
    const keys = vault(c).addStaticSecret('llm-api-keys', { mount: 'secret', path: 'llm' });
    // As env only with the named opt-out: a sandbox cannot be rolled out when the secret rotates.
    new FteSandbox(c, 'analyst', { image: 'ghcr.io/acme/a:1.0.0', resources, env: { ANTHROPIC_API_KEY: keys.envValue('anthropic', { acceptStaleAfterRotation: true }) }, secretMounts: [keys.mount('/var/run/secrets/llm')] });
    const pod = find(Testing.synth(c), 'Sandbox').spec.podTemplate.spec;
    expect(pod.containers[0].env).toContainEqual({ name: 'ANTHROPIC_API_KEY', valueFrom: { secretKeyRef: { name: 'llm-api-keys', key: 'anthropic' } } });
    expect(pod.volumes).toContainEqual({ name: 'secret-0', secret: { secretName: 'llm-api-keys', defaultMode: 0o440 } });
  });

  test('Deployments that use the secret are rollout-restart targets; sandboxes are not', () => {
    const c = chart();
    const v = vault(c);
    const keys = v.addStaticSecret('llm-api-keys', { mount: 'secret', path: 'llm' });
    const kafka = v.addStaticSecret('kafka-creds', { mount: 'secret', path: 'kafka' });
    // Workloads created after the secret are found too (resolved at synth).
    worker(c, 'by-env', { env: { ANTHROPIC_API_KEY: keys.envValue('anthropic') } });
    worker(c, 'by-file', { secretMounts: [keys.mount('/secrets')] });
    worker(c, 'unrelated');
    new FteSandbox(c, 'sandbox', { image: 'ghcr.io/acme/a:1.0.0', resources, secretMounts: [keys.mount('/secrets')] });
    const w = worker(c, 'by-component');
    w.addPubSub('events', { brokers: ['kafka:9092'], auth: KafkaAuth.password({ username: 'u', password: { secret: kafka, key: 'password' } }) });
    const objs = Testing.synth(c);
    expect(find(objs, 'VaultStaticSecret', 'llm-api-keys').spec.rolloutRestartTargets).toEqual([
      { kind: 'Deployment', name: 'by-env' },
      { kind: 'Deployment', name: 'by-file' },
    ]);
    expect(find(objs, 'VaultStaticSecret', 'kafka-creds').spec.rolloutRestartTargets).toEqual([{ kind: 'Deployment', name: 'by-component' }]);
  });

  test('each synth sees the workloads as they are: components added and workers removed since the last one', () => {
    const c = chart();
    const kafka = vault(c).addStaticSecret('kafka-creds', { mount: 'secret', path: 'kafka' });
    const late = worker(c, 'late');
    worker(c, 'removed', { env: { KAFKA_PASSWORD: kafka.envValue('password') } });
    const targets = (): unknown => find(Testing.synth(c), 'VaultStaticSecret').spec.rolloutRestartTargets;
    expect(targets()).toEqual([{ kind: 'Deployment', name: 'removed' }]);
    late.addPubSub('events', { brokers: ['kafka:9092'], auth: KafkaAuth.password({ username: 'u', password: { secret: kafka, key: 'password' } }) });
    c.node.tryRemoveChild('removed');
    expect(targets()).toEqual([{ kind: 'Deployment', name: 'late' }]);
  });

  test('a construct of your own that implements IRolloutTarget is found once registered', () => {
    class Reader extends Construct implements IRolloutTarget {
      public readonly workloadName = 'reader';
      public readonly podSelector = { app: 'reader' };
      public readonly namespace = 'ns';
      public readonly rolloutKind = RolloutKind.STATEFUL_SET;
      public constructor(scope: Construct, id: string, register: boolean) {
        super(scope, id);
        if (register) registerRolloutTarget(this);
      }
      public usesSecret(secretName: string): boolean {
        return secretName === 'llm-api-keys';
      }
    }
    const c = chart();
    vault(c).addStaticSecret('llm-api-keys', { mount: 'secret', path: 'llm' });
    new Reader(c, 'unregistered', false);
    expect(find(Testing.synth(c), 'VaultStaticSecret').spec.rolloutRestartTargets).toBeUndefined();
    new Reader(c, 'registered', true);
    expect(find(Testing.synth(c), 'VaultStaticSecret').spec.rolloutRestartTargets).toEqual([{ kind: 'StatefulSet', name: 'reader' }]);
  });

  test('rotation: a sandbox refuses the secret as env, a Deployment takes it and is restarted', () => {
    const c = chart();
    const keys = vault(c).addStaticSecret('llm-api-keys', { mount: 'secret', path: 'llm' });
    expect(keys.envValue('anthropic').secretKeyRef).toEqual({ secretName: 'llm-api-keys', key: 'anthropic' });
    const e = expectProblems(() => new FteSandbox(c, 'analyst', { image: 'ghcr.io/acme/a:1.0.0', resources, env: { ANTHROPIC_API_KEY: keys.envValue('anthropic'), OPENAI_API_KEY: keys.envValue('openai') } }),
      "FteSandbox at 'test/analyst'", [
        ['env.ANTHROPIC_API_KEY', '"ANTHROPIC_API_KEY" reads the Vault-synced Secret llm-api-keys as an environment variable, which a running sandbox never sees change'],
        ['env.OPENAI_API_KEY', '"OPENAI_API_KEY" reads the Vault-synced Secret llm-api-keys as an environment variable'],
      ]);
    expect(e.problems[1].message).toContain('expected the Secret mounted as files, which the kubelet refreshes: secretMounts (in code secret.mount(path)), or in code secret.envValue(key, { acceptStaleAfterRotation: true })');
    // An existing (not rotating) Secret is fine as env.
    expect(() => new FteSandbox(c, 'plain', { image: 'ghcr.io/acme/a:1.0.0', resources, env: { K: ExistingSecret.fromName('static').envValue('k') } })).not.toThrow();
    worker(c, 'reader', { env: { ANTHROPIC_API_KEY: keys.envValue('anthropic') } });
    expect(find(Testing.synth(c), 'VaultStaticSecret').spec.rolloutRestartTargets).toEqual([{ kind: 'Deployment', name: 'reader' }]);
  });

  test('restartOnRotation adds a target explicitly, once', () => {
    const c = chart();
    const keys = vault(c).addStaticSecret('llm-api-keys', { mount: 'secret', path: 'llm' });
    const w = worker(c, 'reader');
    keys.restartOnRotation(w).restartOnRotation(w);
    expect(find(Testing.synth(c), 'VaultStaticSecret').spec.rolloutRestartTargets).toEqual([{ kind: 'Deployment', name: 'reader' }]);
  });

  test('no secret value is ever synthesised', () => {
    const c = chart();
    const keys = vault(c).addStaticSecret('llm-api-keys', { mount: 'secret', path: 'llm' });
    worker(c, 'w', { env: { ANTHROPIC_API_KEY: keys.envValue('anthropic') } });
    const objs = Testing.synth(c);
    expect(objs.some((o) => o.kind === 'Secret')).toBe(false);
    expect(JSON.stringify(objs)).not.toMatch(/"(data|stringData)"/);
  });

  describe('throws when', () => {
    test('the address is plain HTTP', () => {
      expect(() => VaultServer.connect({ address: 'http://vault:8200' }))
        .toThrow('VaultServer.connect: address "http://vault:8200" is plain HTTP, which sends tokens and secrets in clear text; expected https://, or allowPlainHttp: true');
    });
    test('the address carries credentials', () => {
      expect(() => VaultServer.connect({ address: 'https://user:pass@vault:8200' }))
        .toThrow('VaultServer.connect: address "https://user:pass@vault:8200" carries credentials, which would be written into the VaultConnection');
      expect(() => VaultServer.connect({ address: 'https://:token@vault:8200' })).toThrow(/carries credentials/);
    });
    test('plain HTTP is allowed explicitly', () => {
      expect(() => VaultServer.connect({ address: 'http://vault:8200', allowPlainHttp: true })).not.toThrow();
    });
    test('the address is not a URL', () => {
      expect(() => VaultServer.connect({ address: 'vault:8200' })).toThrow(/VaultServer.connect: address "vault:8200" is not a Vault address; expected e.g. "https:\/\/vault.vault.svc:8200"/);
    });
    test('several VaultSync props are bad: one FteValidationError lists every problem', () => {
      const c = chart();
      expectProblems(() => new VaultSync(c, 'vault', {
        name: 'Bad_Name', server: 'x' as any, role: '', authMount: '/k8s', audiences: [], tokenExpiration: Duration.minutes(5), vaultNamespace: '/ns',
      }), "VaultSync at 'test/vault'", [
        ['name', '"Bad_Name" is not a valid name; expected an RFC 1123 label'],
        ['server', '"x" is not a VaultServer; expected VaultServer.connect({ address }) or VaultServer.existingConnection(name)'],
        ['role', `"" is not a Vault role name; expected letters, digits, '_', '.' or '-'`],
        ['authMount', '"/k8s" is not a Vault path'],
        ['audiences', '[] is not a non-empty list of audiences; expected e.g. ["vault"]'],
        ['tokenExpiration', "300s is out of range; expected whole seconds from 600 to 86400 (600 is the operator's minimum)"],
        ['vaultNamespace', '"/ns" is not a Vault path'],
      ]);
      expect(Testing.synth(c)).toEqual([]);
    });
    test('several secret options are bad: one FteValidationError lists every problem, none derived from a bad kvVersion', () => {
      const c = chart();
      const v = vault(c);
      expectProblems(() => v.addStaticSecret('x', { secretName: 'Bad_', mount: '/m', path: 'a//b', kvVersion: 'v3' as KvVersion, version: 2, refreshAfter: Duration.seconds(1) }),
        "VaultStaticSecret at 'test/vault/x'", [
          ['secretName', '"Bad_" is not a valid name; expected an RFC 1123 subdomain'],
          ['mount', '"/m" is not a Vault path'],
          ['path', '"a//b" is not a Vault path'],
          // No "version: is set for a kv-v1 secret": the version is only judged against a good kvVersion.
          ['kvVersion', '"v3" is not a KvVersion; expected KvVersion.V2 or KvVersion.V1'],
          ['refreshAfter', '1s is out of range; expected whole seconds from 10 to 604800 (10s to 7 days)'],
        ]);
      expect(Testing.synth(c).filter((o) => o.kind === 'VaultStaticSecret')).toEqual([]);
    });
    test('the token lifetime is below the operator minimum', () => {
      expect(() => new VaultSync(chart(), 'vault', { server: VaultServer.existingConnection('default'), role: 'r', tokenExpiration: Duration.minutes(5) }))
        .toThrow("VaultSync at 'test/vault': tokenExpiration: 300s is out of range; expected whole seconds from 600 to 86400 (600 is the operator's minimum)");
    });
    test('the role is empty', () => {
      expect(() => new VaultSync(chart(), 'vault', { server: VaultServer.existingConnection('default'), role: '' }))
        .toThrow(`VaultSync at 'test/vault': role: "" is not a Vault role name`);
    });
    test('a path has a leading slash', () => {
      expect(() => vault(chart()).addStaticSecret('x', { mount: 'secret', path: '/llm' }))
        .toThrow(`VaultStaticSecret at 'test/vault/x': path: "/llm" is not a Vault path`);
    });
    test('a kv-v1 secret pins a version', () => {
      expect(() => vault(chart()).addStaticSecret('x', { mount: 'kv', path: 'a', kvVersion: KvVersion.V1, version: 2 }))
        .toThrow("VaultStaticSecret at 'test/vault/x': version: is set for a kv-v1 secret; expected kvVersion KvVersion.V2");
    });
    test('two secrets write the same Secret', () => {
      const v = vault(chart());
      v.addStaticSecret('a', { secretName: 'same', mount: 'secret', path: 'a' });
      expect(() => v.addStaticSecret('b', { secretName: 'same', mount: 'secret', path: 'b' }))
        .toThrow(`VaultSync at 'test/vault': addStaticSecret("b").secretName: "same" is already synced by a`);
    });
    test('two VaultSyncs in one namespace write the same Secret', () => {
      const c = chart();
      vault(c).addStaticSecret('a', { secretName: 'same', mount: 'secret', path: 'a' });
      const other = new VaultSync(c, 'other', { server: VaultServer.existingConnection('default'), role: 'r' });
      expect(() => other.addStaticSecret('b', { secretName: 'same', mount: 'secret', path: 'b' }))
        .toThrow(`VaultStaticSecret at 'test/other/b': secretName: "same" is already the name of a VaultStaticSecret in namespace "ns" (from 'test/vault/a'); expected a unique name`);
    });
    test("the VaultSync's ServiceAccount has a workload's name", () => {
      const c = chart();
      worker(c, 'team-vault-auth');
      expect(() => new VaultSync(c, 'team', { server: VaultServer.existingConnection('default'), role: 'r' }))
        .toThrow(`VaultSync at 'test/team': name: "team-vault-auth" is already the name of a ServiceAccount in namespace "ns" (from 'test/team-vault-auth')`);
    });
    test('a rollout target is a sandbox', () => {
      const c = chart();
      const keys = vault(c).addStaticSecret('k', { mount: 'secret', path: 'k' });
      const sandbox = new FteSandbox(c, 'sandbox', { image: 'ghcr.io/acme/a:1.0.0', resources });
      expect(() => keys.restartOnRotation(sandbox as any))
        .toThrow(`VaultStaticSecret at 'test/vault/k': restartOnRotation: "sandbox" is not a rollout target; expected a DaprWorker (sandboxes cannot be rolled out: mount the secret as files instead)`);
    });
    test('a rollout target runs in another namespace', () => {
      const app = Testing.app();
      const keys = vault(new Chart(app, 'a', { namespace: 'a' })).addStaticSecret('k', { mount: 'secret', path: 'k' });
      const w = worker(new Chart(app, 'b', { namespace: 'b' }), 'w');
      expect(() => keys.restartOnRotation(w)).toThrow(/restartOnRotation: w runs in namespace "b", not "a"/);
    });
  });
});

describeWithShared('VaultSync schema', () => {
  test('every object is schema-valid (unknown fields rejected)', () => {
    const c = chart();
    const v = vault(c);
    const keys = v.addStaticSecret('llm-api-keys', { mount: 'secret', path: 'llm' });
    v.addStaticSecret('kv1', { mount: 'kv', path: 'a', kvVersion: KvVersion.V1 });
    worker(c, 'w', { env: { ANTHROPIC_API_KEY: keys.envValue('anthropic') } });
    new VaultSync(c, 'shared', { server: VaultServer.existingConnection('default'), role: 'r' });
    const objs = Testing.synth(c);
    expect(objs.filter((o) => o.apiVersion === 'secrets.hashicorp.com/v1beta1').map((o) => o.kind).sort())
      .toEqual(['VaultAuth', 'VaultAuth', 'VaultConnection', 'VaultStaticSecret', 'VaultStaticSecret']);
    expectSchemaValid(objs);
  });
});
