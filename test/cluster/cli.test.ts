/*
 * `npm run cluster -- up|down|status` (build/test/cluster/cli.js, built by `npm test`), against
 * the control plane the global setup started and against hand-made state directories.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KubeClient } from './kube-client';
import { describeLive } from './live';

const CLI = path.resolve(__dirname, '../../build/test/cluster/cli.js');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}

describeLive('npm run cluster', (client) => {
  const stateDir = process.env.FTEKIT_CLUSTER_STATE_DIR!;

  test('status reports the running control plane and its kubeconfig, which works', async () => {
    const r = cli('status', '--state-dir', stateDir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`KUBECONFIG=${path.join(stateDir, 'kubeconfig')}`);
    const version = await client().raw<{ gitVersion: string }>('GET', '/version');
    expect(version.body.gitVersion).toBe('v1.37.2');
    const own = KubeClient.fromKubeconfig(path.join(stateDir, 'kubeconfig'));
    try {
      expect((await own.list('v1', 'Node')).map((n) => n.metadata.name)).toEqual(expect.arrayContaining(['ftekit-node-0', 'ftekit-kata-0', 'ftekit-gke-sandbox-0']));
    } finally {
      own.close();
    }
  });

  test('a second up while one runs says so and starts nothing', () => {
    const pids = JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8')).pids as Record<string, number>;
    const r = cli('up', '--state-dir', stateDir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`a control plane is already running from ${stateDir}`);
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8')).pids).toEqual(pids);
    for (const pid of Object.values(pids)) expect(alive(pid)).toBe(true);
  });

  test('down stops exactly the recorded processes, by PID, and removes the state directory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-cli-down-'));
    const sleeper = spawn('/usr/bin/sleep', ['600'], { detached: true, stdio: 'ignore' });
    const bystander = spawn('/usr/bin/sleep', ['600'], { detached: true, stdio: 'ignore' });
    try {
      fs.writeFileSync(
        path.join(dir, 'state.json'),
        JSON.stringify({
          kubeconfig: path.join(dir, 'kubeconfig'),
          server: 'https://127.0.0.1:1',
          dataDir: path.join(dir, 'data'),
          // The second entry's PID runs another binary than recorded (a recycled PID): not ours.
          pids: { etcd: sleeper.pid, 'kube-apiserver': bystander.pid },
          binaries: { etcd: '/usr/bin/sleep', 'kube-apiserver': '/somewhere/kube-apiserver' },
        }),
      );
      const r = cli('down', '--state-dir', dir);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('stopped etcd');
      expect(r.stdout).not.toContain('kube-apiserver');
      await new Promise((res) => setTimeout(res, 200));
      expect(alive(sleeper.pid!)).toBe(false);
      expect(alive(bystander.pid!)).toBe(true);
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      bystander.kill('SIGKILL');
      sleeper.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('down with nothing running says so', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-cli-empty-'));
    const r = cli('down', '--state-dir', dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('nothing was running');
  });

  test('throws when the command line is wrong: usage and exit code 2', () => {
    for (const args of [[], ['sideways'], ['up', 'down'], ['up', '--state-dir']]) {
      const r = cli(...args);
      expect([args, r.status]).toEqual([args, 2]);
      expect(r.stderr).toMatch(/usage: npm run cluster|unknown command|--state-dir needs a directory/);
    }
  });
});
