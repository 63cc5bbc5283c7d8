import { describeWithShared, expectSchemaValid, ManifestSchemaValidator, SchemaIssue } from './schema';

function deployment(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'demo', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: 8080 }],
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1, memory: '128Mi' } },
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
            },
          ],
        },
      },
    },
  };
}

function sandbox(): any {
  return {
    apiVersion: 'agents.x-k8s.io/v1beta1',
    kind: 'Sandbox',
    metadata: { name: 'box', namespace: 'demo' },
    spec: { podTemplate: { spec: { containers: [{ name: 'agent', image: 'python:3.12' }] } } },
  };
}

function ciliumPolicy(): any {
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name: 'egress', namespace: 'demo' },
    spec: {
      endpointSelector: { matchLabels: { app: 'web' } },
      egress: [
        {
          toFQDNs: [{ matchName: 'api.example.com' }, { matchPattern: '*.example.org' }],
          toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
        },
        { toCIDR: ['10.0.0.0/8'] },
      ],
    },
  };
}

function service(targetPort: unknown): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'demo' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort }] },
  };
}

/** The issues as `path: message`, so a failing expectation shows what was reported. */
function summary(issues: SchemaIssue[]): string[] {
  return issues.map((i) => `${i.path}: ${i.message}`);
}

describeWithShared('ManifestSchemaValidator', (validator: () => ManifestSchemaValidator) => {
  test('accepts a valid apps/v1 Deployment', () => {
    expect(validator().validate(deployment())).toEqual([]);
  });

  test('reports an unknown field, naming its path', () => {
    const obj = deployment();
    obj.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    expect(validator().validate(obj)).toEqual([
      {
        object: 'apps/v1 Deployment demo/web',
        path: '/spec/template/spec/containers/0/imagePullPolicyy',
        message: 'unknown field "imagePullPolicyy"',
      },
    ]);
  });

  test('reports a wrong type', () => {
    const obj = deployment();
    obj.spec.replicas = 'two';
    expect(summary(validator().validate(obj))).toEqual(['/spec/replicas: must be integer, got "two"']);
  });

  test('reports a kind without a schema', () => {
    const obj = { apiVersion: 'example.com/v1', kind: 'Foo', metadata: { name: 'x' } };
    expect(validator().knows('example.com/v1', 'Foo')).toBe(false);
    expect(validator().validate(obj)).toEqual([
      { object: 'example.com/v1 Foo x', path: '', message: 'no schema for example.com/v1 Foo' },
    ]);
  });

  test('reports a built-in kind under the wrong apiVersion as having no schema', () => {
    const obj = { ...deployment(), apiVersion: 'apps/v1beta1' };
    expect(summary(validator().validate(obj))).toEqual([': no schema for apps/v1beta1 Deployment']);
  });

  test('reports a missing metadata.name', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, data: { a: 'b' } };
    expect(summary(validator().validate(obj))).toEqual(['/metadata/name: metadata.name is required, got undefined']);
  });

  test('accepts a valid agents.x-k8s.io/v1beta1 Sandbox', () => {
    expect(validator().knows('agents.x-k8s.io/v1beta1', 'Sandbox')).toBe(true);
    expect(validator().validate(sandbox())).toEqual([]);
  });

  test('reports an unknown field in a Sandbox spec', () => {
    const obj = sandbox();
    obj.spec.runtimeClass = 'gvisor';
    expect(validator().validate(obj)).toEqual([
      { object: 'agents.x-k8s.io/v1beta1 Sandbox demo/box', path: '/spec/runtimeClass', message: 'unknown field "runtimeClass"' },
    ]);
  });

  test('reports an unknown field deep in a CRD pod template', () => {
    const obj = sandbox();
    obj.spec.podTemplate.spec.containers[0].securityContext = { runAsNonRoot: true, readOnlyRootFS: true };
    expect(summary(validator().validate(obj))).toEqual([
      '/spec/podTemplate/spec/containers/0/securityContext/readOnlyRootFS: unknown field "readOnlyRootFS"',
    ]);
  });

  test('reports a bad metadata field on a CRD object', () => {
    const obj = sandbox();
    obj.metadata.labelz = { app: 'box' };
    expect(validator().validate(obj)).toEqual([
      { object: 'agents.x-k8s.io/v1beta1 Sandbox demo/box', path: '/metadata/labelz', message: 'unknown field "labelz"' },
    ]);
  });

  test('accepts a cilium.io/v2 CiliumNetworkPolicy with toFQDNs', () => {
    expect(validator().validate(ciliumPolicy())).toEqual([]);
  });

  // The CRD expresses "exactly one of" with oneOf branches that list a single property each;
  // those branches must not be closed, or every valid rule would be rejected.
  test('reports a toFQDNs rule setting both matchName and matchPattern', () => {
    const obj = ciliumPolicy();
    obj.spec.egress[0].toFQDNs = [{ matchName: 'a.example.com', matchPattern: '*.example.com' }];
    expect(summary(validator().validate(obj))).toEqual([
      '/spec/egress/0/toFQDNs/0: must set exactly one of {matchName} | {matchPattern}, matched {matchName} and {matchPattern}',
    ]);
  });

  test('reports an invalid CIDR', () => {
    const obj = ciliumPolicy();
    obj.spec.egress[1].toCIDR = ['10.0.0.0/33'];
    expect(summary(validator().validate(obj))).toEqual(['/spec/egress/1/toCIDR/0: must match format "cidr", got "10.0.0.0/33"']);
  });

  test('accepts an int-or-string field as a number or a name', () => {
    expect(validator().validate(service(8080))).toEqual([]);
    expect(validator().validate(service('http'))).toEqual([]);
  });

  test('reports an int-or-string field of another type', () => {
    expect(summary(validator().validate(service(true)))).toEqual([
      '/spec/ports/0/targetPort: must be string or integer, got true',
    ]);
  });

  test('reports a quantity the API server cannot parse', () => {
    const obj = deployment();
    obj.spec.template.spec.containers[0].resources.limits.memory = '128 MB';
    const issues = summary(validator().validate(obj));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^\/spec\/template\/spec\/containers\/0\/resources\/limits\/memory: must be string matching .* or number, got "128 MB"$/);
  });

  test('accepts a node.k8s.io/v1 RuntimeClass with a handler', () => {
    const obj = { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc' };
    expect(validator().validate(obj)).toEqual([]);
  });

  // CRD patterns are Go regexps: (?i) is not JavaScript syntax and is translated to a flag.
  test('evaluates Go regexp patterns from CRDs', () => {
    const rule = (strategy: string): any => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'rules', namespace: 'demo' },
      spec: { groups: [{ name: 'g', partial_response_strategy: strategy, rules: [{ alert: 'Down', expr: 'up == 0', for: '5m' }] }] },
    });
    expect(validator().validate(rule('WARN'))).toEqual([]);
    expect(summary(validator().validate(rule('ignore')))).toEqual([
      '/spec/groups/0/partial_response_strategy: must match pattern "^(?i)(abort|warn)?$", got "ignore"',
    ]);
  });

  test('validateAll returns the issues of every object', () => {
    const bad = deployment();
    bad.spec.replicas = 'two';
    const issues = validator().validateAll([deployment(), bad, sandbox(), { apiVersion: 'example.com/v1', kind: 'Foo', metadata: { name: 'x' } }]);
    expect(issues.map((i) => i.object)).toEqual(['apps/v1 Deployment demo/web', 'example.com/v1 Foo x']);
  });

  test('expectSchemaValid throws a message listing every issue', () => {
    const bad = deployment();
    bad.spec.replicas = 'two';
    bad.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    expect(() => expectSchemaValid([deployment(), sandbox()])).not.toThrow();
    expect(() => expectSchemaValid([bad])).toThrow(
      [
        '2 schema issue(s) in 1 object(s):',
        '  - apps/v1 Deployment demo/web /spec/replicas: must be integer, got "two"',
        '  - apps/v1 Deployment demo/web /spec/template/spec/containers/0/imagePullPolicyy: unknown field "imagePullPolicyy"',
      ].join('\n'),
    );
  });

  test('validates 200 objects in well under a second once warm', () => {
    const objs = Array.from({ length: 50 }, () => [deployment(), sandbox(), ciliumPolicy(), service(8080)]).flat();
    expect(validator().validateAll(objs)).toEqual([]);
    const start = process.hrtime.bigint();
    const issues = validator().validateAll(objs);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    expect(issues).toEqual([]);
    expect(ms).toBeLessThan(1000);
  });
});

describe('ManifestSchemaValidator.fromSharedDir', () => {
  test('throws when the schema data is missing', () => {
    expect(() => ManifestSchemaValidator.fromSharedDir('/nonexistent/shared')).toThrow(
      /schema data not found: \/nonexistent\/shared\/schemas\/k8s-v1\.30\/_definitions\.json is missing/,
    );
  });
});
