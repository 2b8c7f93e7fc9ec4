import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

async function faultline(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('faultline CLI skeleton', () => {
  it('--version prints the package version and exits 0', async () => {
    const r = await faultline('--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('--help lists usage and exits 0', async () => {
    const r = await faultline('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: faultline');
  });

  it('an unknown option or command is bad usage: exit 2', async () => {
    expect((await faultline('--no-such-flag')).code).toBe(2);
    expect((await faultline('no-such-command')).code).toBe(2);
  });
});
