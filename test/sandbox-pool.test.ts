import { Duration } from 'cdk8s';
import {
  ClaimShutdownPolicy, FteValidationError, PoolScalingMetric, PoolUpdateStrategy, SandboxPool, SandboxPoolProps, Workspace, Peer, Port, FteSandbox,
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
    expect(ofKind(objs, 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  test('autoscaling targets the pool scale subresource and leaves replicas to the HPA', () => {
    const objs = synth((c) => new SandboxPool(c, 'pool', {
      ...base,
      autoscaling: { minReplicas: 2, maxReplicas: 20, metric: PoolScalingMetric.external('agent_sandbox_claim_rate', { averageValue: '5' }, { pool: 'pool' }) },
    }));
    expect(one(objs, 'SandboxWarmPool').spec.replicas).toBeUndefined();
    const hpa = one(objs, 'HorizontalPodAutoscaler', 'pool');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'extensions.agents.x-k8s.io/v1beta1', kind: 'SandboxWarmPool', name: 'pool' });
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(20);
    expect(hpa.spec.metrics).toEqual([{ type: 'External', external: { metric: { name: 'agent_sandbox_claim_rate', selector: { matchLabels: { pool: 'pool' } } }, target: { type: 'AverageValue', averageValue: '5' } } }]);
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
    test('autoscaling bounds are inverted or conflict with replicas', () => {
      const metric = PoolScalingMetric.external('m', { averageValue: '1' });
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, autoscaling: { minReplicas: 5, maxReplicas: 2, metric } }), /autoscaling.maxReplicas: maxReplicas 2 must be a whole number >= max\(1, minReplicas=5\)/);
      expectThrow((c) => new SandboxPool(c, 'p', { ...base, replicas: 3, autoscaling: { minReplicas: 1, maxReplicas: 2, metric } }), /replicas: 3 is set together with autoscaling/);
      expect(() => PoolScalingMetric.external('bad name', { averageValue: '1' })).toThrow(/metric name "bad name" is invalid/);
      expect(() => PoolScalingMetric.external('m', { averageValue: 'lots' })).toThrow(/averageValue "lots" is not a quantity/);
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
        autoscaling: { minReplicas: 1, maxReplicas: 10, metric: PoolScalingMetric.object('requests_per_second', { averageValue: '500m' }, { apiVersion: 'v1', kind: 'Service', name: 'router' }) },
      });
      pool.claim('c1', { ttlAfterFinished: Duration.seconds(30), podLabels: { 'sandbox.users.io/owner': 'me' } });
      new SandboxPool(c, 'fixed', { ...base, replicas: 0, workspace: Workspace.ephemeral() }).claim('c2');
    }));
  });
});
