import { Duration } from 'cdk8s';
import {
  ClaimShutdownPolicy, FteValidationError, PoolUpdateStrategy, SandboxPool, SandboxPoolProps, Workspace, Peer, Port, FteSandbox, VaultServer, VaultSync,
} from '../src';
import { IMAGE, RESOURCES } from './support/fixtures';
import { describeWithShared, expectSchemaValid } from './support/schema';
import { chart, ofKind, one, podSpecOf, synth } from './support/synth';

const base: SandboxPoolProps = { image: IMAGE, resources: RESOURCES, ports: [{ name: 'http', number: 8080 }] };

describe('SandboxPool', () => {
  test('template, warm pool and claims, with the controller network policy off', () => {
    const objs = synth((c) => {
      const pool = new SandboxPool(c, 'code-exec', { ...base, replicas: 3, updateStrategy: PoolUpdateStrategy.RECREATE });
      pool.claim('task-1');
      pool.claim('task-2', { shutdownTime: '2026-12-01T00:00:00Z', shutdownPolicy: ClaimShutdownPolicy.DELETE, ttlAfterFinished: Duration.minutes(10), podLabels: { 'sandbox.users.io/task': 't2' } });
    });
    const template = one(objs, 'SandboxTemplate', 'code-exec');
    expect(template.apiVersion).toBe('extensions.agents.x-k8s.io/v1beta1');
    expect(template.spec.networkPolicyManagement).toBe('Unmanaged');
    expect(template.spec.envVarsInjectionPolicy).toBe('Disallowed');
    const pod = podSpecOf(template);
    // Set explicitly: the controller would otherwise point DNS at public resolvers.
    expect(pod.dnsPolicy).toBe('ClusterFirst');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.runtimeClassName).toBe('gvisor');
    expect(template.spec.podTemplate.metadata.labels['ftekit.dev/workload']).toBe('code-exec');

    const pool = one(objs, 'SandboxWarmPool', 'code-exec');
    expect(pool.spec).toEqual({ replicas: 3, sandboxTemplateRef: { name: 'code-exec' }, updateStrategy: { type: 'Recreate' } });

    const claims = ofKind(objs, 'SandboxClaim');
    expect(claims.map((c) => c.metadata.name)).toEqual(['task-1', 'task-2']);
    expect(claims[0].spec).toEqual({ warmPoolRef: { name: 'code-exec' }, lifecycle: { shutdownPolicy: 'Retain' } });
    expect(claims[1].spec).toEqual({
      warmPoolRef: { name: 'code-exec' },
      lifecycle: { shutdownPolicy: 'Delete', shutdownTime: '2026-12-01T00:00:00Z', ttlSecondsAfterFinished: 600 },
      additionalPodMetadata: { labels: { 'sandbox.users.io/task': 't2' } },
    });
    // The pool's own policy selects its pods by the stable label.
    expect(one(objs, 'NetworkPolicy', 'code-exec-allowlist').spec.podSelector).toEqual({ matchLabels: { 'ftekit.dev/workload': 'code-exec' } });
    expect(ofKind(objs, 'ScaledObject')).toHaveLength(0);
    expect(ofKind(objs, 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  test('replicas is always written: the CRD default is nobody\'s decision', () => {
    expect(one(synth((c) => new SandboxPool(c, 'p', base)), 'SandboxWarmPool').spec.replicas).toBe(1);
    expect(one(synth((c) => new SandboxPool(c, 'p', { ...base, replicas: 0 })), 'SandboxWarmPool').spec.replicas).toBe(0);
  });

  test('demand sizes a fixed pool for its peak and says how', () => {
    const objs = synth((c) => new SandboxPool(c, 'pool', { ...base, demand: { claimsPerMinute: 6, peakClaimsPerMinute: 24, coldStartSeconds: 15, claimDurationMinutes: 2 } }));
    const pool = one(objs, 'SandboxWarmPool', 'pool');
    // Peak: 24/min x 15s = 6 in flight; ceil(6 + 2*sqrt(6)) = 11. Nothing scales it, so the peak's size.
    expect(pool.spec.replicas).toBe(11);
    const why = pool.metadata.annotations['ftekit.dev/pool-sizing'];
    expect(why).toContain('normal 6/min x 15s = 1.5 -> 4 warm');
    expect(why).toContain('peak 24/min x 15s = 6 -> 11 warm');
    expect(why).toContain('claimed at peak 24/min x 2min = 48 -> 62');
    expect(why).toMatch(/fixed at 11$/);
    expect(ofKind(objs, 'ScaledObject')).toHaveLength(0);
  });

  test('demand counts the sandboxes claimed at peak in the footprint', () => {
    let pods = 0;
    synth((c) => {
      const pool = new SandboxPool(c, 'pool', { ...base, demand: { claimsPerMinute: 6, peakClaimsPerMinute: 24, coldStartSeconds: 15, claimDurationMinutes: 2 } });
      pool.claim('static');
      pods = pool.footprint().pods;
    });
    expect(pods).toBe(11 + 1 + 62);
  });

  test('autoscaling is a KEDA ScaledObject on the pool scale subresource, bounded by the demand', () => {
    const objs = synth((c) => new SandboxPool(c, 'pool', {
      ...base,
      demand: { claimsPerMinute: 6, peakClaimsPerMinute: 24, coldStartSeconds: 15 },
      autoscaling: { prometheusAddress: 'http://prometheus-operated.monitoring.svc:9090' },
    }));
    const pool = one(objs, 'SandboxWarmPool', 'pool');
    // Explicit, at the minimum: KEDA's HPA moves it from there.
    expect(pool.spec.replicas).toBe(4);
    expect(pool.metadata.annotations['ftekit.dev/pool-sizing']).toMatch(/KEDA scales between 4 and 11$/);
    const so = one(objs, 'ScaledObject', 'pool');
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'extensions.agents.x-k8s.io/v1beta1', kind: 'SandboxWarmPool', name: 'pool' });
    expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([4, 11]);
    expect(so.spec.triggers).toHaveLength(1);
    const trigger = so.spec.triggers[0];
    expect(trigger).toMatchObject({ type: 'prometheus', metricType: 'AverageValue' });
    expect(trigger.metadata.serverAddress).toBe('http://prometheus-operated.monitoring.svc:9090');
    expect(trigger.metadata.threshold).toBe('1');
    const rate = 'sum(rate(agent_sandbox_claim_creation_total{warmpool_name="pool",sandbox_template="pool"}[2m]))';
    expect(trigger.metadata.query).toBe(`((${rate} * 15) + 2 * sqrt((${rate} * 15))) or vector(0)`);
    // KEDA makes the HPA; ftekit emits none.
    expect(ofKind(objs, 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  test('explicit autoscaling bounds win over the demand (scale to zero)', () => {
    const objs = synth((c) => new SandboxPool(c, 'pool', {
      ...base,
      demand: { claimsPerMinute: 1, coldStartSeconds: 10, safetyFactor: 0 },
      autoscaling: { prometheusAddress: 'https://prom.example:9090/api/prom', minReplicas: 0, maxReplicas: 7 },
    }));
    expect(one(objs, 'SandboxWarmPool').spec.replicas).toBe(0);
    const so = one(objs, 'ScaledObject', 'pool');
    expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([0, 7]);
    expect(so.spec.triggers[0].metadata.query).toContain(' + 0 * sqrt(');
  });

  test('a sandbox template may mount a Vault secret, or read it as env with the named opt-out', () => {
    const objs = synth((c) => {
      const vault = new VaultSync(c, 'vault', { server: VaultServer.connect({ address: 'https://vault.example:8200' }), role: 'ftes' });
      const keys = vault.addStaticSecret('llm-api-keys', { mount: 'secret', path: 'ftes/llm' });
      new SandboxPool(c, 'pool', { ...base, secretMounts: [keys.mount('/var/run/secrets/llm')], env: { ANTHROPIC_API_KEY: keys.envValue('anthropic', { acceptStaleAfterRotation: true }) } });
    });
    const container = podSpecOf(one(objs, 'SandboxTemplate')).containers[0];
    expect(container.env).toContainEqual({ name: 'ANTHROPIC_API_KEY', valueFrom: { secretKeyRef: { name: 'llm-api-keys', key: 'anthropic' } } });
    expect(container.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/var/run/secrets/llm', readOnly: true }));
  });

  test('an ephemeral workspace is an emptyDir, with no claim template', () => {
    const template = one(synth((c) => new SandboxPool(c, 'p', { ...base, workspace: Workspace.ephemeral() })), 'SandboxTemplate');
    expect(template.spec.volumeClaimTemplates).toBeUndefined();
    expect(podSpecOf(template).volumes).toContainEqual({ name: 'workspace', emptyDir: { sizeLimit: '1Gi' } });
  });

  test('a sandbox can be allowed to reach the pool by object', () => {
    const objs = synth((c) => {
      const pool = new SandboxPool(c, 'pool', base);
      const agent = new FteSandbox(c, 'agent', { image: IMAGE, resources: RESOURCES });
      agent.network.allowTo(Peer.workload(pool), Port.tcp(8080));
      pool.network.allowFrom(Peer.workload(agent), Port.tcp(8080));
    });
    expect(one(objs, 'NetworkPolicy', 'agent-allowlist').spec.egress[1]).toEqual({ to: [{ podSelector: { matchLabels: { 'ftekit.dev/workload': 'pool' } } }], ports: [{ protocol: 'TCP', port: 8080 }] });
    expect(one(objs, 'NetworkPolicy', 'pool-allowlist').spec.ingress[0]).toEqual({ from: [{ podSelector: { matchLabels: { 'ftekit.dev/workload': 'agent' } } }], ports: [{ protocol: 'TCP', port: 8080 }] });
  });

  describe('throws when', () => {
    const expectThrow = (fn: (c: ReturnType<typeof chart>) => void, pattern: RegExp): void => {
      const c = chart();
      expect(() => fn(c)).toThrow(FteValidationError);
      expect(() => fn(chart())).toThrow(pattern);
    };
    test('replicas are negative or fractional', () => {
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, replicas: -1 }), /SandboxPool at 'test\/p': replicas: -1 is not a whole number in range 0-10000/);
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, replicas: 1.5 }), /replicas: 1.5 is not a whole number/);
    });
    const demand = { claimsPerMinute: 6, coldStartSeconds: 15 };
    const prometheusAddress = 'http://prometheus:9090';
    test('autoscaling bounds are inverted or conflict with replicas', () => {
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, demand, autoscaling: { prometheusAddress, minReplicas: 5, maxReplicas: 2 } }), /autoscaling.maxReplicas: 2 is not a whole number >= max\(1, minReplicas=5\)/);
      // The bound from demand is named as such.
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, demand, autoscaling: { prometheusAddress, minReplicas: 9 } }), /autoscaling.maxReplicas: 4 \(from demand\) is not a whole number >= max\(1, minReplicas=9\)/);
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, demand, autoscaling: { prometheusAddress, minReplicas: -1 } }), /autoscaling.minReplicas: -1 is not a whole number in range 0-10000/);
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, replicas: 3, demand, autoscaling: { prometheusAddress } }), /replicas: 3 is set together with autoscaling/);
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, replicas: 3, demand }), /replicas: 3 is set together with demand; expected one of them/);
    });
    test('autoscaling lacks its Prometheus address or its demand', () => {
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, demand, autoscaling: {} as never }), /autoscaling.prometheusAddress: is missing; expected the URL of the Prometheus HTTP API that scrapes the agent-sandbox controller/);
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, demand, autoscaling: { prometheusAddress: 'prometheus:9090' } }), /autoscaling.prometheusAddress: "prometheus:9090" is not an http\(s\) URL/);
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, autoscaling: { prometheusAddress, minReplicas: 1, maxReplicas: 3 } }), /autoscaling: is set without demand; expected demand too/);
    });
    test('the demand is not a demand, all problems at once', () => {
      const c = chart();
      let error: FteValidationError | undefined;
      try {
        new SandboxPool(c, 'p', { ...base, demand: { claimsPerMinute: 0, coldStartSeconds: Number.NaN, peakClaimsPerMinute: -1, claimDurationMinutes: 0, safetyFactor: 11 } });
      } catch (e) {
        error = e as FteValidationError;
      }
      expect(error?.problems.map((p) => p.field)).toEqual(['demand.claimsPerMinute', 'demand.coldStartSeconds', 'demand.peakClaimsPerMinute', 'demand.claimDurationMinutes', 'demand.safetyFactor']);
      expect(error?.message).toMatch(/demand.claimsPerMinute: 0 is not a number above 0 and at most 100000/);
      expect(error?.message).toMatch(/demand.safetyFactor: 11 is not a number in range 0-10/);
      expectThrow((c2) => new SandboxPool(c2, 'p', { ...base, demand: { claimsPerMinute: 10, peakClaimsPerMinute: 5, coldStartSeconds: 10 } }), /demand.peakClaimsPerMinute: 5 is below claimsPerMinute \(10\)/);
      expectThrow((c2) => new SandboxPool(c2, 'p', { ...base, demand: { claimsPerMinute: 1000, coldStartSeconds: 3600 } }), /demand: needs \d+ warm and 0 claimed sandboxes .*expected a demand one pool can serve \(at most 10000 sandboxes\)/);
    });
    test('a template reads a rotating Vault secret as env', () => {
      expectThrow((c) => {
        const vault = new VaultSync(c, 'vault', { server: VaultServer.connect({ address: 'https://vault.example:8200' }), role: 'ftes' });
        const keys = vault.addStaticSecret('llm-api-keys', { mount: 'secret', path: 'ftes/llm' });
        new SandboxPool(c, 'p', { ...base, env: { ANTHROPIC_API_KEY: keys.envValue('anthropic') } });
      }, /SandboxPool at 'test\/p': env.ANTHROPIC_API_KEY: "ANTHROPIC_API_KEY" reads the Vault-synced Secret llm-api-keys as an environment variable, which a running sandbox never sees change .*expected the Secret mounted as files/);
    });
    test('a claim is duplicated or malformed', () => {
      expectThrow((c) => {
        const p = new SandboxPool(c, 'p', base);
        p.claim('a');
        p.claim('a');
      }, /claim\("a"\).name: "a" is already claimed from this pool/);
      expectThrow((c) => new SandboxPool(c, 'p', base).claim('Bad_Claim'), /claim\("Bad_Claim"\).name: "Bad_Claim" is not a valid name/);
      // A cold-started claim's Sandbox and Service take the claim's name.
      expectThrow((c) => new SandboxPool(c, 'p', base).claim('1task'), /claim\("1task"\).name: "1task" is not a valid name; expected it to start with a letter/);
      expectThrow((c) => {
        new SandboxPool(c, 'p', base).claim('task');
        new SandboxPool(c, 'q', base).claim('task');
      }, /claim\("task"\).name: "task" is already the name of a SandboxClaim in namespace/);
      expectThrow((c) => {
        new SandboxPool(c, 'p', base).claim('p');
      }, /claim\("p"\).name: "p" is already the name of a Service in namespace/);
      expectThrow((c) => new SandboxPool(c, 'p', base).claim('a', { shutdownTime: 'soon' }), /claim\("a"\).shutdownTime: "soon" is not an RFC 3339 date-time/);
      expectThrow((c) => new SandboxPool(c, 'p', base).claim('a', { podLabels: { team: 'x' } }), /claim\("a"\).podLabels: label "team" is refused by the claim controller/);
      expectThrow((c) => new SandboxPool(c, 'p', base).claim('a', { ttlAfterFinished: Duration.millis(1500) }), /claim\("a"\).ttlAfterFinished: 1500ms is not a whole number of seconds/);
    });
    test('the template blueprint is unsafe (shared checks with FteSandbox)', () => {
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, image: 'python:latest' }), /SandboxPool at 'test\/p': image: image "python:latest" uses the mutable tag "latest"/);
    });
  });
});

describeWithShared('SandboxPool schema', () => {
  test('every object is schema-valid', () => {
    expectSchemaValid(synth((c) => {
      const pool = new SandboxPool(c, 'pool', {
        ...base,
        demand: { claimsPerMinute: 6, peakClaimsPerMinute: 24, coldStartSeconds: 15, claimDurationMinutes: 2 },
        autoscaling: { prometheusAddress: 'http://prometheus-operated.monitoring.svc:9090' },
      });
      expect(pool.scaledObject).toBeDefined();
      pool.claim('c1', { ttlAfterFinished: Duration.seconds(30), podLabels: { 'sandbox.users.io/owner': 'me' } });
      new SandboxPool(c, 'fixed', { ...base, replicas: 0, workspace: Workspace.ephemeral() }).claim('c2');
    }));
  });
});
