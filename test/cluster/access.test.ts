/*
 * FteSandbox.grantAccess on the live control plane: the agent-sandbox controller names the
 * pod after the Sandbox (the Role's resourceNames rely on it), and SubjectAccessReviews as a
 * member of the granted group show exactly the access asked for, on that pod only.
 */
import { FteSandbox, Workspace } from '../../src';
import { KubeObject, waitUntil } from './kube-client';
import { describeLive, resetCluster, SMALL_RESOURCES, suiteObjects } from './live';

jest.setTimeout(300_000);

const NS = 'ftekit-access';
const ONCALL = 'oidc:fte-oncall@example.com';
const VIEWERS = 'fte-viewers';
const IMAGE = 'ghcr.io/acme/agent:1.0.0';

function objects(): { cluster: KubeObject[]; ftes: KubeObject[] } {
  return suiteObjects(NS, (chart) => {
    // An ephemeral workspace: this suite is about the pod, not volume binding.
    const agent = new FteSandbox(chart, 'agent', { image: IMAGE, resources: SMALL_RESOURCES, workspace: Workspace.ephemeral() });
    new FteSandbox(chart, 'other', { image: IMAGE, resources: SMALL_RESOURCES, workspace: Workspace.ephemeral() });
    agent.grantAccess(ONCALL, { exec: true, logs: true });
    agent.grantAccess(VIEWERS, { logs: true });
  });
}

describeLive('grantAccess on the live control plane', (client) => {
  const { cluster, ftes } = objects();
  const pods = new Map<string, KubeObject>();

  beforeAll(async () => {
    await resetCluster(client(), [NS]);
    for (const o of [...cluster, ...ftes]) await client().apply(o);
    for (const sandbox of ['agent', 'other']) {
      const pod = await waitUntil(`the pod of Sandbox ${sandbox}`, async () => {
        const all = await client().list('v1', 'Pod', NS);
        return all.find((p) => p.metadata.ownerReferences?.some((r) => r.kind === 'Sandbox' && r.name === sandbox && r.controller));
      }, 180_000, async () => JSON.stringify((await client().get('agents.x-k8s.io/v1beta1', 'Sandbox', sandbox, NS))?.status));
      pods.set(sandbox, pod);
    }
  });

  afterAll(async () => resetCluster(client(), [NS]));

  test('the controller names the pod after the Sandbox, the name the Role is limited to', async () => {
    // eslint-disable-next-line no-console
    console.log(`pods of the Sandboxes: ${[...pods].map(([sb, p]) => `Sandbox ${sb} -> Pod ${p.metadata.name} (${String(p.status?.phase)})`).join(', ')}`);
    expect(pods.get('agent')!.metadata.name).toBe('agent');
    expect(pods.get('other')!.metadata.name).toBe('other');
    const roles = ftes.filter((o) => o.kind === 'Role');
    expect(roles.map((r) => r.metadata.name)).toEqual([expect.stringMatching(/^agent-access-oidc-fte-oncall-example-com-[0-9a-f]{8}$/), 'agent-access-fte-viewers']);
    for (const role of roles) {
      for (const rule of (role as any).rules) expect(rule.resourceNames).toEqual([pods.get('agent')!.metadata.name]);
      expect(await client().get('rbac.authorization.k8s.io/v1', 'Role', role.metadata.name, NS)).toBeDefined();
    }
  });

  test('the group may exec into, read and stream the logs of its sandbox pod, and nothing more', async () => {
    const asOncall = (attrs: { verb: string; resource: string; subresource?: string; name?: string; group?: string }): Promise<boolean> =>
      client().can('alice@example.com', { namespace: NS, ...attrs }, [ONCALL, 'system:authenticated']);
    const pod = pods.get('agent')!.metadata.name;
    const other = pods.get('other')!.metadata.name;
    const verdicts = {
      'create pods/exec agent': await asOncall({ verb: 'create', resource: 'pods', subresource: 'exec', name: pod }),
      'get pods/exec agent': await asOncall({ verb: 'get', resource: 'pods', subresource: 'exec', name: pod }),
      'get pods agent': await asOncall({ verb: 'get', resource: 'pods', name: pod }),
      'get pods/log agent': await asOncall({ verb: 'get', resource: 'pods', subresource: 'log', name: pod }),
      'create pods/exec other': await asOncall({ verb: 'create', resource: 'pods', subresource: 'exec', name: other }),
      'get pods other': await asOncall({ verb: 'get', resource: 'pods', name: other }),
      'get pods/log other': await asOncall({ verb: 'get', resource: 'pods', subresource: 'log', name: other }),
      'create pods/portforward agent': await asOncall({ verb: 'create', resource: 'pods', subresource: 'portforward', name: pod }),
      'create pods/attach agent': await asOncall({ verb: 'create', resource: 'pods', subresource: 'attach', name: pod }),
      'list pods': await asOncall({ verb: 'list', resource: 'pods' }),
      'watch pods': await asOncall({ verb: 'watch', resource: 'pods' }),
      'delete pods agent': await asOncall({ verb: 'delete', resource: 'pods', name: pod }),
      'get secrets': await asOncall({ verb: 'get', resource: 'secrets' }),
      'list secrets': await asOncall({ verb: 'list', resource: 'secrets' }),
      'get sandboxes agent': await asOncall({ verb: 'get', group: 'agents.x-k8s.io', resource: 'sandboxes', name: 'agent' }),
    };
    expect(verdicts).toEqual({
      'create pods/exec agent': true,
      'get pods/exec agent': true,
      'get pods agent': true,
      'get pods/log agent': true,
      'create pods/exec other': false,
      'get pods other': false,
      'get pods/log other': false,
      'create pods/portforward agent': false,
      'create pods/attach agent': false,
      'list pods': false,
      'watch pods': false,
      'delete pods agent': false,
      'get secrets': false,
      'list secrets': false,
      'get sandboxes agent': false,
    });
  });

  test('without exec the exec check fails; outside the group nothing is allowed', async () => {
    const pod = pods.get('agent')!.metadata.name;
    const exec = { namespace: NS, verb: 'create', resource: 'pods', subresource: 'exec', name: pod };
    const logs = { namespace: NS, verb: 'get', resource: 'pods', subresource: 'log', name: pod };
    expect(await client().can('bob@example.com', exec, [VIEWERS, 'system:authenticated'])).toBe(false);
    expect(await client().can('bob@example.com', { ...exec, verb: 'get' }, [VIEWERS, 'system:authenticated'])).toBe(false);
    expect(await client().can('bob@example.com', logs, [VIEWERS, 'system:authenticated'])).toBe(true);
    expect(await client().can('mallory@example.com', exec, ['system:authenticated'])).toBe(false);
    expect(await client().can('mallory@example.com', logs, ['system:authenticated'])).toBe(false);
  });
});
