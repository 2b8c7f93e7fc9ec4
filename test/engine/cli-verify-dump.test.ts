import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Wal } from '../../src/engine/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { runFaultline } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { enc } from './support.js';

const cli = (args: string[]) => runFaultline(args);

describe('faultline verify and dump', () => {
  it('verify: 0 on a sound log, 1 after a mid-log bit flip, 2 on a missing directory; dump prints the records', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const wal = await Wal.open(
        { fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'log' },
        { segmentSize: 4096, durability: { kind: 'everyWrite' } },
      );
      for (let i = 1; i <= 5; i++) await wal.append(enc(`hello-${i}`));
      await wal.close();
      const logDir = join(dir, 'log');

      const ok = await cli(['verify', logDir]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('records 5 (LSN 1..5)');
      expect(ok.stdout.trim().endsWith('OK')).toBe(true);

      const dump = await cli(['dump', logDir, '--json']);
      expect(dump.code).toBe(0);
      const parsed = JSON.parse(dump.stdout) as { records: { lsn: number; base64: string }[] };
      expect(parsed.records.map((r) => Buffer.from(r.base64, 'base64').toString())).toEqual([1, 2, 3, 4, 5].map((i) => `hello-${i}`));

      // Flip a bit in record 2's payload: records 3..5 were synced after it, so this is mid-log corruption.
      const fh = await open(join(logDir, 'wal-0000000000000001.log'), 'r+');
      const at = 64 + (28 + 7) + 28 + 1;
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, at);
      b[0] = (b[0] as number) ^ 0x20;
      await fh.write(b, 0, 1, at);
      await fh.close();
      const bad = await cli(['verify', logDir]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain('CORRUPTION: wal-0000000000000001.log offset 99 (LSN 2)');

      const missing = await cli(['verify', join(dir, 'nope')]);
      expect(missing.code).toBe(2);
    } finally {
      await cleanup();
    }
  }, 60_000);
});
