/**
 * `faultline serve-ops <dir>` as a process: it opens a real log, serves it
 * on 127.0.0.1, and on SIGTERM closes the server and the log (exit 0); a
 * directory without a log and a port in use are refused with exit 2.
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Wal } from '../../src/engine/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { runFaultline } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { scrape, sampleValue } from './scrape.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function logWithRecords(dir: string, n: number): Promise<void> {
  const wal = await Wal.open({ fs: new NodeFileSystem(dir), clock: new RealClock(), dir: '.' }, { preallocate: false });
  for (let i = 0; i < n; i++) await wal.append(new Uint8Array([i]));
  await wal.close();
}

// Each test starts the CLI from source (tsx): seconds under a loaded full run.
describe('faultline serve-ops', { timeout: 30_000 }, () => {
  it('serves an existing log until SIGTERM, then closes it cleanly (exit 0)', async () => {
    const { dir, cleanup } = await makeTempDir('faultline-serve-');
    let cleanupChild = (): boolean => false;
    try {
      await logWithRecords(dir, 3);
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve-ops', dir, '--port', '0'], {
        cwd: root,
        env: { ...process.env, FAULTLINE_LOG_LEVEL: 'silent' },
      });
      let stdout = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout);
          if (m !== null) resolve(m[0]);
        });
        child.on('exit', (code) => reject(new Error(`serve-ops exited ${String(code)} before serving: ${stdout}`)));
      });
      cleanupChild = () => child.kill('SIGKILL');
      const { families } = await scrape(url);
      expect(sampleValue(families, 'wal_recovery_records')).toBe(3);
      expect(sampleValue(families, 'wal_next_lsn')).toBe(4);
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toContain('SIGTERM: server closed, closing the log');
      const verify = await runFaultline(['verify', dir]);
      expect(verify.code).toBe(0);
      expect(verify.stdout).toContain('records 3');
    } finally {
      cleanupChild(); // a no-op once it exited; kills it when an assertion failed first
      await cleanup();
    }
  });

  it('refuses a directory with no log: exit 2 and a clear message', async () => {
    const { dir, cleanup } = await makeTempDir('faultline-serve-');
    try {
      const r = await runFaultline(['serve-ops', dir, '--port', '0']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`no faultline log in ${dir}`);
    } finally {
      await cleanup();
    }
  });

  it('refuses a port in use: exit 2 and a clear message', async () => {
    const { dir, cleanup } = await makeTempDir('faultline-serve-');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      await logWithRecords(dir, 1);
      const port = (blocker.address() as AddressInfo).port;
      const r = await runFaultline(['serve-ops', dir, '--port', String(port)], { FAULTLINE_LOG_LEVEL: 'silent' });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      await cleanup();
    }
  });
});
