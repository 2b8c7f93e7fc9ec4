import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runFaultline } from './helpers/cli.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

const faultline = (...args: string[]) => runFaultline(args);

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
