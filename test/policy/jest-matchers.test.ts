import { App, Chart, Testing } from 'cdk8s';
import { FteNamespace, FteSandbox } from '../../src';
import { ftekitPolicyMatchers } from '../../src/policy';
import { buildExampleApp } from '../../src/app/synth';
import { IMAGE, RESOURCES } from '../support/fixtures';
import { defaultDeny, podObject, templateOf } from '../support/policy-fixtures';

expect.extend(ftekitPolicyMatchers);

function buildMyApp(app: App): App {
  const chart = new Chart(app, 'ftes', { namespace: 'digital-ftes' });
  new FteNamespace(chart, 'Namespace');
  new FteSandbox(chart, 'analyst', { image: IMAGE, resources: RESOURCES });
  return app;
}

describe('toPassFtekitPolicy', () => {
  test('passes for a compliant App, Chart and array of objects (the README example)', () => {
    expect(buildMyApp(new App())).toPassFtekitPolicy();
    expect(buildMyApp(Testing.app()).charts[0]).toPassFtekitPolicy();
    expect([defaultDeny(), podObject('Deployment')]).toPassFtekitPolicy();
    expect(buildExampleApp('/tmp/ftekit-unused')).toPassFtekitPolicy();
  });

  test('fails with the full report as message', () => {
    const bad = podObject('Deployment');
    templateOf(bad).spec.hostNetwork = true;
    expect(() => expect([defaultDeny(), bad]).toPassFtekitPolicy()).toThrow(/expected no ftekit policy errors[\s\S]*ERROR \[pss-host-namespaces\] apps\/v1 Deployment agents\/agent[\s\S]*fix: Remove hostNetwork/);
    expect([defaultDeny(), bad]).not.toPassFtekitPolicy();
    expect(() => expect([defaultDeny()]).not.toPassFtekitPolicy()).toThrow('expected ftekit policy errors, but there were none');
  });

  test('options are passed on, and a value that is not an app, chart or array fails clearly', () => {
    const obj = podObject('Deployment');
    templateOf(obj).spec.runtimeClassName = 'my-vm';
    expect([defaultDeny(), obj]).not.toPassFtekitPolicy();
    expect([defaultDeny(), obj]).toPassFtekitPolicy({ sandboxedRuntimeClasses: ['my-vm'] });
    expect(() => expect(42).toPassFtekitPolicy()).toThrow('expected a cdk8s App, a Chart or an array of Kubernetes objects, received 42');
  });
});
