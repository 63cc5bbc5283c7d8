import { Size } from 'cdk8s';
import { ApiAccess, EgressEnforcement, FteNamespace, EnvValue, ExistingSecret, FteSandbox, FteSandboxProps, FteValidationError, OperatingMode, Probe, SandboxRuntime, ShutdownPolicy, Workspace, AccessMode } from '../src';
import { Cpu } from 'cdk8s-plus-28';
import { IMAGE, RESOURCES } from './support/fixtures';
import { describeWithShared, expectSchemaValid } from './support/schema';
import { chart, one, podSpecOf, synth } from './support/synth';
import { evaluatePolicy } from '../src/policy/engine';

const base: FteSandboxProps = { image: IMAGE, resources: RESOURCES };

function sandbox(props: Partial<FteSandboxProps> = {}, id = 'agent'): any[] {
  return synth((c) => new FteSandbox(c, id, { ...base, ...props }));
}

describe('FteSandbox', () => {
  test('defaults: gVisor, restricted pod, persistent workspace, headless service, running', () => {
    const objs = sandbox();
    const sb = one(objs, 'Sandbox', 'agent');
    expect(sb.apiVersion).toBe('agents.x-k8s.io/v1beta1');
    expect(sb.metadata.namespace).toBe('agents');
    expect(sb.spec.operatingMode).toBe('Running');
    expect(sb.spec.service).toBe(true);
    expect(sb.spec.shutdownTime).toBeUndefined();
    const pod = podSpecOf(sb);
    expect(pod.runtimeClassName).toBe('gvisor');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('agent');
    expect(pod.dnsPolicy).toBe('ClusterFirst');
    expect(pod.hostNetwork).toBe(false);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    const [c] = pod.containers;
    expect(pod.containers).toHaveLength(1);
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
    });
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'workspace', mountPath: '/workspace' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }]);
    expect(sb.spec.volumeClaimTemplates).toEqual([expect.objectContaining({
      metadata: expect.objectContaining({ name: 'workspace' }),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
    })]);
    // Stable, explicit labels; the selector label is the workload name, never a construct path.
    expect(sb.spec.podTemplate.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'agent', 'app.kubernetes.io/component': 'fte-sandbox', 'app.kubernetes.io/part-of': 'ftekit', 'ftekit.dev/workload': 'agent',
    });
    const sa = one(objs, 'ServiceAccount', 'agent');
    expect(sa.automountServiceAccountToken).toBe(false);
    const np = one(objs, 'NetworkPolicy', 'agent-allowlist');
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'ftekit.dev/workload': 'agent' } });
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(objs.map((o) => o.kind).sort()).toEqual(['NetworkPolicy', 'Sandbox', 'ServiceAccount']);
  });

  test('workspace options, ports, probes, command and a secret by reference', () => {
    const keys = ExistingSecret.fromName('llm-api-keys');
    const objs = sandbox({
      name: 'research-analyst',
      command: ['python', '-m', 'agent'],
      args: ['--serve'],
      ports: [{ name: 'http', number: 8000 }],
      readiness: Probe.httpGet('/healthz', 8000),
      env: { ANTHROPIC_API_KEY: keys.envValue('anthropic'), LOG_LEVEL: EnvValue.fromValue('info'), MAX_TOKENS: EnvValue.fromValue('4096', { notSecret: true }) },
      secretMounts: [keys.mount('/var/run/secrets/llm')],
      workspace: Workspace.persistent({ size: Size.gibibytes(50), storageClassName: 'fast-ssd', accessMode: AccessMode.READ_WRITE_ONCE_POD, mountPath: '/data' }),
    });
    const sb = one(objs, 'Sandbox', 'research-analyst');
    const c = podSpecOf(sb).containers[0];
    expect(c.command).toEqual(['python', '-m', 'agent']);
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http', protocol: 'TCP' }]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8000, scheme: 'HTTP' });
    expect(c.env).toEqual([
      { name: 'ANTHROPIC_API_KEY', valueFrom: { secretKeyRef: { name: 'llm-api-keys', key: 'anthropic' } } },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'MAX_TOKENS', value: '4096' },
    ]);
    expect(c.volumeMounts).toContainEqual({ name: 'workspace', mountPath: '/data' });
    expect(c.volumeMounts).toContainEqual({ name: 'secret-0', mountPath: '/var/run/secrets/llm', readOnly: true });
    expect(podSpecOf(sb).volumes).toContainEqual({ name: 'secret-0', secret: { secretName: 'llm-api-keys', defaultMode: 0o440 } });
    expect(sb.spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOncePod'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'fast-ssd' });
  });

  test('suspended, with expiry that retains the workspace by default', () => {
    const sb = one(sandbox({ operatingMode: OperatingMode.SUSPENDED, shutdownTime: '2026-12-31T18:00:00Z' }), 'Sandbox');
    expect(sb.spec.operatingMode).toBe('Suspended');
    expect(sb.spec.shutdownTime).toBe('2026-12-31T18:00:00Z');
    expect(sb.spec.shutdownPolicy).toBe('Retain');
    const del = one(sandbox({ shutdownTime: '2026-12-31T18:00:00Z', shutdownPolicy: ShutdownPolicy.DELETE }), 'Sandbox');
    expect(del.spec.shutdownPolicy).toBe('Delete');
  });

  test('API access mounts the token and grants a least-privilege Role', () => {
    const objs = sandbox({ apiAccess: [ApiAccess.MANAGE_SANDBOX_CLAIMS], apiServer: { cidrs: ['172.16.0.2/32'], port: 443 } }, 'orchestrator');
    expect(podSpecOf(one(objs, 'Sandbox')).automountServiceAccountToken).toBe(true);
    const role = one(objs, 'Role', 'orchestrator-api');
    expect(role.rules).toContainEqual({ apiGroups: ['extensions.agents.x-k8s.io'], resources: ['sandboxclaims'], verbs: ['create', 'get', 'list', 'watch', 'delete'] });
    const binding = one(objs, 'RoleBinding', 'orchestrator-api');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'orchestrator-api' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'orchestrator', namespace: 'agents' }]);
    expect(JSON.stringify(role)).not.toContain('*');
  });

  test('runtime scheduling: GKE Sandbox, Kata and the loud local opt-out', () => {
    const gke = podSpecOf(one(sandbox({ runtime: SandboxRuntime.GKE_SANDBOX }), 'Sandbox'));
    expect(gke.runtimeClassName).toBe('gvisor');
    expect(gke.nodeSelector).toEqual({ 'sandbox.gke.io/runtime': 'gvisor' });
    expect(gke.tolerations).toEqual([{ key: 'sandbox.gke.io/runtime', operator: 'Equal', value: 'gvisor', effect: 'NoSchedule' }]);
    const kata = podSpecOf(one(sandbox({ runtime: SandboxRuntime.KATA_FC }), 'Sandbox'));
    expect(kata.runtimeClassName).toBe('kata-fc');
    expect(kata.nodeSelector).toEqual({ 'katacontainers.io/kata-runtime': 'true' });
    const local = one(sandbox({ runtime: SandboxRuntime.unsandboxedForLocalDevelopment('kind on a laptop') }), 'Sandbox');
    expect(podSpecOf(local).runtimeClassName).toBeUndefined();
    expect(local.spec.podTemplate.metadata.annotations).toEqual({ 'ftekit.dev/unsandboxed': 'kind on a laptop' });
  });

  test('egress from props goes to the allowlist', () => {
    const objs = sandbox({ egress: ['kafka:9092', 'api.anthropic.com:443'], egressEnforcement: EgressEnforcement.CILIUM });
    expect(one(objs, 'NetworkPolicy').spec.egress).toHaveLength(2);
    expect(one(objs, 'CiliumNetworkPolicy').spec.egress[1].toFQDNs).toEqual([{ matchName: 'api.anthropic.com' }]);
  });

  test('synth is deterministic', () => {
    const build = (): string => JSON.stringify(sandbox({ shutdownTime: '2026-12-31T18:00:00Z', egress: ['redis:6379'] }));
    expect(build()).toEqual(build());
  });

  describe('grantAccess', () => {
    const granted = (grant: (sb: FteSandbox) => void): any[] => synth((c) => grant(new FteSandbox(c, 'agent', base)));

    test('exec: a Role limited to the sandbox pod, bound to the group, and nothing wider', () => {
      const objs = granted((sb) => sb.grantAccess('fte-oncall', { exec: true }));
      const role = one(objs, 'Role', 'agent-access-fte-oncall');
      expect(role.metadata.namespace).toBe('agents');
      expect(role.rules).toEqual([
        { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['agent'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'], resourceNames: ['agent'] },
      ]);
      const binding = one(objs, 'RoleBinding', 'agent-access-fte-oncall');
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'agent-access-fte-oncall' });
      expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'fte-oncall' }]);
      const text = JSON.stringify(role);
      for (const wider of ['list', 'watch', 'secrets', '*', 'pods/attach', 'delete']) expect(text).not.toContain(`"${wider}"`);
      // The pod keeps its token unmounted: access for people is not API access for the agent.
      expect(podSpecOf(one(objs, 'Sandbox')).automountServiceAccountToken).toBe(false);
    });

    test('each option adds exactly its subresource; the pod itself is always get only', () => {
      const rulesOf = (options: { exec?: boolean; portForward?: boolean; logs?: boolean }): string[] =>
        one(granted((sb) => sb.grantAccess('g', options)), 'Role').rules.map((r: any) => `${r.resources[0]}:${r.verbs.join(',')}:${r.resourceNames.join(',')}`);
      expect(rulesOf({ portForward: true })).toEqual(['pods:get:agent', 'pods/portforward:create,get:agent']);
      expect(rulesOf({ logs: true })).toEqual(['pods:get:agent', 'pods/log:get:agent']);
      expect(rulesOf({ exec: false, logs: true })).toEqual(['pods:get:agent', 'pods/log:get:agent']);
      expect(rulesOf({ exec: true, portForward: true, logs: true })).toEqual(['pods:get:agent', 'pods/exec:create,get:agent', 'pods/portforward:create,get:agent', 'pods/log:get:agent']);
    });

    test('names are deterministic and DNS-safe, with a hash when the group is not a DNS label', () => {
      const objs = granted((sb) => {
        sb.grantAccess('oidc:team@example.com', { exec: true });
        sb.grantAccess('OIDC:Team@Example.com', { logs: true });
        sb.grantAccess('on-call', { logs: true });
        sb.grantAccess('x'.repeat(80), { logs: true });
      });
      const names = objs.filter((o) => o.kind === 'Role').map((o) => o.metadata.name);
      expect(names).toEqual([
        expect.stringMatching(/^agent-access-oidc-team-example-com-[0-9a-f]{8}$/),
        expect.stringMatching(/^agent-access-oidc-team-example-com-[0-9a-f]{8}$/),
        'agent-access-on-call',
        expect.stringMatching(new RegExp(`^agent-access-${'x'.repeat(40)}-[0-9a-f]{8}$`)),
      ]);
      expect(new Set(names).size).toBe(4);
      for (const n of names) expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(objs.filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.name)).toEqual(names);
      expect(objs.filter((o) => o.kind === 'RoleBinding').map((o) => o.subjects[0].name)).toEqual(['oidc:team@example.com', 'OIDC:Team@Example.com', 'on-call', 'x'.repeat(80)]);
      // Same group, same name, whatever else the chart holds.
      const again = synth((c) => new FteSandbox(c, 'agent', base).grantAccess('oidc:team@example.com', { exec: true }));
      expect(one(again, 'Role').metadata.name).toBe(names[0]);
    });

    test('returns the Role; the sandbox name (not the construct id) is the pod name', () => {
      let roleName = '';
      const objs = synth((c) => {
        roleName = new FteSandbox(c, 'agent', { ...base, name: 'research-analyst' }).grantAccess('oncall', { exec: true }).name;
      });
      expect(roleName).toBe('research-analyst-access-oncall');
      expect(one(objs, 'Role', roleName).rules.every((r: any) => r.resourceNames[0] === 'research-analyst')).toBe(true);
    });

    test('the policy gate passes the access objects', () => {
      // In a complete namespace, so only the access objects could add findings.
      const report = evaluatePolicy(synth((c) => {
        new FteSandbox(c, 'agent', base).grantAccess('oidc:oncall', { exec: true, portForward: true, logs: true });
        new FteNamespace(c, 'Namespace');
      }));
      expect(report.findings).toEqual([]);
      expect(report.excepted).toEqual([]);
    });

    describe('throws when', () => {
      const expectGrantThrow = (grant: (sb: FteSandbox) => unknown, ...lines: (string | RegExp)[]): FteValidationError => {
        const c = chart();
        const sb = new FteSandbox(c, 'agent', base);
        const before = c.node.findAll().length;
        let error: unknown;
        try {
          grant(sb);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(FteValidationError);
        const got = (error as Error).message.split('\n');
        expect(got).toHaveLength(lines.length);
        lines.forEach((l, i) => (typeof l === 'string' ? expect(got[i]).toBe(l) : expect(got[i]).toMatch(l)));
        expect(c.node.findAll().length - before).toBe(sb.node.children.filter((n) => n.node.id.startsWith('Access-')).length);
        return error as FteValidationError;
      };

      test('the group is empty, blank, padded, not a string or a system: group', () => {
        expectGrantThrow((sb) => sb.grantAccess('', { exec: true }),
          'FteSandbox at \'test/agent\': grantAccess("").group: "" is empty; expected the name of a group your authenticator asserts, such as "oidc:fte-oncall"');
        expectGrantThrow((sb) => sb.grantAccess('  ', { exec: true }), /grantAccess\(" {2}"\)\.group: " {2}" is empty/);
        expectGrantThrow((sb) => sb.grantAccess(' oncall', { exec: true }), /\.group: " oncall" has leading or trailing whitespace/);
        expectGrantThrow((sb) => sb.grantAccess('on\ncall', { exec: true }), /\.group: "on\\ncall" contains a control character/);
        expectGrantThrow((sb) => sb.grantAccess(undefined as unknown as string, { exec: true }), /grantAccess\(undefined\)\.group: undefined is not a group name/);
        expectGrantThrow((sb) => sb.grantAccess('system:authenticated', { exec: true }),
          /grantAccess\("system:authenticated"\)\.group: "system:authenticated" is a group Kubernetes assigns itself \(system:\*\)/);
      });

      test('the options grant nothing', () => {
        expectGrantThrow((sb) => sb.grantAccess('oncall', {}),
          'FteSandbox at \'test/agent\': grantAccess("oncall"): options {} grant nothing; expected at least one of exec, portForward or logs to be true');
        expectGrantThrow((sb) => sb.grantAccess('oncall', { exec: false, portForward: false, logs: false }), /grantAccess\("oncall"\): options .* grant nothing/);
        expectGrantThrow((sb) => sb.grantAccess('oncall', undefined as never), /grantAccess\("oncall"\): options undefined are not an object/);
        expectGrantThrow((sb) => sb.grantAccess('oncall', { exec: 'yes' as unknown as boolean }),
          /grantAccess\("oncall"\)\.exec: "yes" is not a boolean/, /grantAccess\("oncall"\): options \{"exec":"yes"\} grant nothing/);
      });

      test('the same group is granted twice', () => {
        const error = expectGrantThrow((sb) => {
          sb.grantAccess('oidc:oncall', { exec: true });
          sb.grantAccess('oidc:oncall', { logs: true });
        }, 'FteSandbox at \'test/agent\': grantAccess("oidc:oncall").group: "oidc:oncall" is already granted access to this sandbox; expected one grantAccess per group, with every option it needs');
        expect(error.problems[0].value).toBe('oidc:oncall');
      });

      test('several things are wrong: every problem at once', () => {
        expectGrantThrow((sb) => sb.grantAccess('system:masters', { portForward: 1 as unknown as boolean }),
          /\.group: "system:masters" is a group Kubernetes assigns itself/, /\.portForward: 1 is not a boolean/, /: options \{"portForward":1\} grant nothing/);
      });
    });
  });

  describe('throws when', () => {
    const expectThrow = (props: Partial<FteSandboxProps>, ...patterns: RegExp[]): void => {
      const c = chart();
      let error: unknown;
      try {
        new FteSandbox(c, 'agent', { ...base, ...props });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FteValidationError);
      const message = (error as Error).message;
      expect(message).toContain("FteSandbox at 'test/agent'");
      for (const p of patterns) expect(message).toMatch(p);
      // Nothing half-built reaches the chart's output.
      expect(c.node.findAll().filter((n) => n.node.id === 'Resource' && n.node.scope?.node.id === 'agent')).toHaveLength(0);
    };

    test('several props are bad: one FteValidationError lists every problem, one line each', () => {
      let error: unknown;
      try {
        new FteSandbox(chart(), 'agent', {
          ...base,
          image: 'nginx:latest',
          resources: { ...RESOURCES, memory: { request: Size.gibibytes(1), limit: Size.mebibytes(512) } },
          secretMounts: [ExistingSecret.fromName('creds').mount('/tmp')],
          egress: ['api.openai.com:443'],
          shutdownPolicy: ShutdownPolicy.DELETE,
        });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FteValidationError);
      const problems = (error as FteValidationError).problems;
      expect(problems.map((p) => p.field)).toEqual(['image', 'resources.memory', 'secretMounts[0].mountPath', 'shutdownPolicy', 'egress[0]']);
      expect(problems.every((p) => p.where === "FteSandbox at 'test/agent'")).toBe(true);
      expect((error as Error).message.split('\n')).toEqual([
        'FteSandbox at \'test/agent\': image: image "nginx:latest" uses the mutable tag "latest"; expected a version tag or a @sha256 digest',
        'FteSandbox at \'test/agent\': resources.memory: request 1Gi is greater than the limit 512Mi; expected request <= limit',
        'FteSandbox at \'test/agent\': secretMounts[0].mountPath: "/tmp" is taken by the writable /tmp volume; expected another path',
        'FteSandbox at \'test/agent\': shutdownPolicy: "Delete" is set without shutdownTime; expected a shutdownTime for it to apply',
        expect.stringMatching(/^FteSandbox at 'test\/agent': egress\[0\]: hostname "api\.openai\.com" cannot be enforced by a Kubernetes NetworkPolicy; expected /),
      ]);
      expect(problems.find((p) => p.field === 'egress[0]')?.value).toBe('api.openai.com:443');
    });

    test('the name starts with a digit (it names the Service the controller creates)', () => {
      expectThrow({ name: '1agent' }, /name: "1agent" is not a valid name; expected it to start with a letter/);
    });
    test('the image is latest or unpinned', () => {
      expectThrow({ image: 'nginx:latest' }, /image: image "nginx:latest" uses the mutable tag "latest"/);
      expectThrow({ image: 'nginx' }, /image: image "nginx" is not pinned; expected an explicit tag/);
    });
    test('resources are missing or inverted', () => {
      expectThrow({ resources: undefined as any }, /resources: undefined is incomplete; expected \{ cpu: \{ request, limit \}, memory: \{ request, limit \} \}/);
      expectThrow({ resources: { ...RESOURCES, cpu: { request: Cpu.units(2), limit: Cpu.units(1) } } }, /resources\.cpu: request 2 is greater than the limit 1; expected request <= limit/);
      expectThrow({ resources: { ...RESOURCES, memory: { request: Size.gibibytes(2), limit: Size.gibibytes(1) } } }, /resources\.memory: request 2Gi is greater than the limit 1Gi; expected request <= limit/);
    });
    test('a secret-looking variable has a literal value', () => {
      expectThrow({ env: { OPENAI_API_KEY: EnvValue.fromValue('sk-123') } }, /env.OPENAI_API_KEY: "OPENAI_API_KEY" looks like a secret but has a literal value/);
    });
    test('the name is not a DNS label', () => {
      expectThrow({ name: 'Research_Analyst' }, /name: "Research_Analyst" is not a valid name; expected an RFC 1123 label/);
    });
    test('shutdown fields are malformed', () => {
      expectThrow({ shutdownTime: 'in 24h' }, /shutdownTime: "in 24h" is not an RFC 3339 date-time/);
      expectThrow({ shutdownPolicy: ShutdownPolicy.DELETE }, /shutdownPolicy: "Delete" is set without shutdownTime/);
      expectThrow({ operatingMode: 'Paused' as any }, /operatingMode: "Paused" is not an OperatingMode/);
    });
    test('a pod label uses the reserved agents.x-k8s.io prefix', () => {
      expectThrow({ podLabels: { 'agents.x-k8s.io/team': 'a' } }, /uses the prefix agents.x-k8s.io\/, which the agent-sandbox controller silently drops/);
    });
    test('a probe targets an undeclared port, or ports repeat', () => {
      expectThrow({ ports: [{ number: 8000 }], readiness: Probe.tcpSocket(9000) }, /readiness\.port: 9000 is not one of the container's ports \(8000\); expected a declared port/);
      expectThrow({ ports: [{ number: 8000 }, { number: 8000 }] }, /ports: port 8000\/TCP is listed twice/);
      expectThrow({ ports: [{ number: 70000 }] }, /ports\[0\]: port 70000 is out of range/);
      expectThrow({ ports: [{ number: 8080, name: '8080' }] }, /ports\[0\].name: "8080" is not a valid port name/);
    });
    test('a pod label or annotation is one ftekit sets itself', () => {
      expectThrow({ podLabels: { 'ftekit.dev/workload': 'other' } }, /podLabels: key "ftekit.dev\/workload" is set by ftekit on every pod/);
      expectThrow({ podLabels: { 'app.kubernetes.io/name': 'x' } }, /podLabels: key "app.kubernetes.io\/name" is set by ftekit/);
      expectThrow({ podAnnotations: { 'ftekit.dev/unsandboxed': 'no' } }, /podAnnotations: key "ftekit.dev\/unsandboxed" is set by ftekit/);
      expectThrow({ podAnnotations: { 'agents.x-k8s.io/x': 'y' } }, /podAnnotations: key "agents.x-k8s.io\/x" uses the prefix agents.x-k8s.io\//);
    });
    test('the DNS policy is not a DnsPolicy', () => {
      expectThrow({ dnsPolicy: 'None' as any }, /dnsPolicy: "None" is not a DnsPolicy/);
    });
    test('a CPU or memory amount is infinite', () => {
      expectThrow({ resources: { ...RESOURCES, cpu: { request: Cpu.millis(250), limit: Cpu.units(Infinity) } } }, /resources\.cpu: request "250m" \/ limit "Infinity" must both be positive and finite/);
      expectThrow({ resources: { ...RESOURCES, memory: { request: Size.mebibytes(256), limit: Size.gibibytes(Infinity) } } }, /resources\.memory: request and limit must both be positive and finite/);
    });
    test('a memory or workspace size is not a whole number of bytes', () => {
      expectThrow({ resources: { ...RESOURCES, memory: { request: Size.kibibytes(0.3), limit: Size.gibibytes(1) } } }, /resources\.memory: request 307.2 bytes .* is not a whole number of bytes/);
      expectThrow({ workspace: Workspace.persistent({ size: Size.mebibytes(1.0001) }) }, /workspace: size .* is too small or not a whole number of bytes/);
    });
    test('a CPU amount is finer than one millicore', () => {
      expectThrow({ resources: { ...RESOURCES, cpu: { request: Cpu.units(0.0001), limit: Cpu.units(1) } } }, /resources\.cpu: "0.0001" is finer than 1m/);
      expectThrow({ resources: { ...RESOURCES, cpu: { request: Cpu.millis(250), limit: Cpu.millis(500.5) } } }, /resources\.cpu: "500.5m" is finer than 1m/);
    });
    test('secret mounts share a path, or take /tmp or the workspace path', () => {
      const s = ExistingSecret.fromName('s');
      expectThrow({ secretMounts: [s.mount('/etc/creds'), ExistingSecret.fromName('t').mount('/etc/creds')] }, /secretMounts: two secrets are mounted at "\/etc\/creds"/);
      expectThrow({ secretMounts: [s.mount('/tmp')] }, /secretMounts\[0\].mountPath: "\/tmp" is taken/);
      expectThrow({ secretMounts: [s.mount('/workspace')] }, /secretMounts\[0\]\.mountPath: "\/workspace" is the workspace's mount path; expected another path/);
      expect(() => sandbox({ secretMounts: [s.mount('/workspace')], workspace: Workspace.persistent({ mountPath: '/data' }) })).not.toThrow();
    });
    test('the workspace or identity is unsafe', () => {
      expectThrow({ workspace: Workspace.persistent({ mountPath: '/tmp' }) }, /workspace: mountPath "\/tmp" is taken/);
      expectThrow({ workspace: Workspace.persistent({ size: Size.kibibytes(4) }) }, /workspace: size "4Ki" is too small or not a whole number of bytes/);
      expectThrow({ identity: { user: 0 } }, /identity.user: 0 is not a whole number in range 1-2147483647; root \(0\) is not allowed/);
    });
    test('hostname egress without Cilium or the explicit fallback', () => {
      const c = chart();
      expect(() => new FteSandbox(c, 'agent', { ...base, egress: ['api.openai.com:443'] }))
        .toThrow(/^FteSandbox at 'test\/agent': egress\[0\]: hostname "api.openai.com" cannot be enforced by a Kubernetes NetworkPolicy/);
    });
  });
});

describeWithShared('FteSandbox schema', () => {
  test('every object is schema-valid, with all options on', () => {
    expectSchemaValid(sandbox({
      apiAccess: [ApiAccess.MANAGE_SANDBOX_CLAIMS],
      runtime: SandboxRuntime.GKE_SANDBOX,
      shutdownTime: '2026-12-31T18:00:00Z',
      ports: [{ name: 'http', number: 8000 }],
      readiness: Probe.httpGet('/healthz', 8000),
      liveness: Probe.exec(['true']),
      startup: Probe.tcpSocket(8000),
      env: { A_TOKEN: ExistingSecret.fromName('s').envValue('k'), POD: EnvValue.fromFieldPath('metadata.name') },
      secretMounts: [ExistingSecret.fromName('s').mount('/secrets')],
      egressEnforcement: EgressEnforcement.CILIUM,
      egress: ['kafka:9092', '*.googleapis.com:443', 'x.y.svc:80'],
    }));
  });

  test('the access Role and RoleBinding are schema-valid', () => {
    expectSchemaValid(synth((c) => new FteSandbox(c, 'agent', base).grantAccess('oidc:team@example.com', { exec: true, portForward: true, logs: true })));
  });
});
