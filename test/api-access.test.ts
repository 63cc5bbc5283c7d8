import { Testing } from 'cdk8s';
import { ApiAccess, FteSandbox, WorkloadIdentity } from '../src';
import { IMAGE, RESOURCES } from './support/fixtures';
import { expectProblems } from './support/oracle';
import { chart } from './support/synth';

describe('WorkloadIdentity', () => {
  test('a ServiceAccount without a token, and with grants a Role and RoleBinding', () => {
    const c = chart();
    const identity = new WorkloadIdentity(c, 'id', { name: 'agent', apiAccess: [ApiAccess.MANAGE_SANDBOX_CLAIMS], labels: { app: 'agent' } });
    expect(identity.mountsToken).toBe(true);
    expect(Testing.synth(c).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ServiceAccount/agent', 'Role/agent-api', 'RoleBinding/agent-api']);
  });

  describe('throws when', () => {
    test('the name and the grants are bad: one FteValidationError lists both', () => {
      const c = chart();
      expectProblems(() => new WorkloadIdentity(c, 'id', { name: 'Bad_', apiAccess: ['x' as any], labels: {} }), "WorkloadIdentity at 'test/id'", [
        ['name', '"Bad_" is not a valid name; expected an RFC 1123 subdomain'],
        ['apiAccess', '["x"] are not ApiAccess grants; expected ApiAccess.MANAGE_SANDBOX_CLAIMS or ApiAccess.custom(...)'],
      ]);
      expect(Testing.synth(c)).toEqual([]);
    });

    test('its Role name is taken: a sandbox whose people\'s access Role has the same name', () => {
      const c = chart();
      // grantAccess names its Role <sandbox>-access-<group>: "a-access-x-api" here.
      new FteSandbox(c, 'a', { image: IMAGE, resources: RESOURCES }).grantAccess('x-api', { exec: true });
      expect(() => new FteSandbox(c, 'a-access-x', { image: IMAGE, resources: RESOURCES, apiAccess: [ApiAccess.MANAGE_SANDBOX_CLAIMS], apiServer: { cidrs: ['10.0.0.1/32'], port: 443 } }))
        .toThrow(/WorkloadIdentity at 'test\/a-access-x\/Identity': name: "a-access-x-api" is already the name of a Role in namespace "agents" \(from 'test\/a'\); expected a unique name/);
    });
  });
});
