import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Wal, type WalLogger } from '../../src/engine/index.js';
import { createLogger } from '../../src/ops/logging.js';
import { FailingFileSystem, memEnv } from './support.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';

type Event = { level: string; fields: Record<string, unknown>; message: string };

function recordingLogger(): { logger: WalLogger; events: Event[] } {
  const events: Event[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      events.push({ level, fields, message });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, events };
}

describe('engine log events', () => {
  it('reports open, rotation and segment removal', async () => {
    const { logger, events } = recordingLogger();
    const env = memEnv();
    const wal = await Wal.open(env, { logger, segmentSize: 4096, preallocate: false, retention: { kind: 'keepLast', segments: 2 } });
    for (let i = 0; i < 40; i++) await wal.append(new Uint8Array(400).fill(i));
    await wal.close();
    expect(events[0]).toMatchObject({ level: 'info', message: 'new log started', fields: { newLog: true } });
    expect(events.filter((e) => e.message === 'segment rotated').length).toBe(wal.stats().rotations);
    expect(events.filter((e) => e.message === 'segment removed').length).toBe(wal.stats().segmentsRemoved);
    expect(wal.stats().segmentsRemoved).toBeGreaterThan(0);
  });

  it('reports a failed sync as fail-stop, at error level', async () => {
    const { logger, events } = recordingLogger();
    const fs = new FailingFileSystem(new MemfsFileSystem());
    const wal = await Wal.open(memEnv(fs), { logger, durability: { kind: 'everyWrite' }, preallocate: false });
    fs.fail({ op: 'datasync', nth: 1, code: 'EIO' });
    await expect(wal.append(new Uint8Array(10))).rejects.toMatchObject({ code: 'EFAILSTOP' });
    const stop = events.find((e) => e.level === 'error');
    expect(stop?.message).toContain('fail-stop');
    expect(stop?.fields).toMatchObject({ code: 'EIO' });
    await wal.close().catch(() => undefined);
  });

  it('reports a rolled-back write at warn level', async () => {
    const { logger, events } = recordingLogger();
    const fs = new FailingFileSystem(new MemfsFileSystem());
    const wal = await Wal.open(memEnv(fs), { logger, durability: { kind: 'everyWrite' }, preallocate: false });
    fs.fail({ op: 'write', nth: 1, code: 'ENOSPC', partialBytes: 5 });
    await expect(wal.append(new Uint8Array(100))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(events.find((e) => e.level === 'warn')).toMatchObject({
      message: expect.stringContaining('rolled back'),
      fields: { code: 'ENOSPC' },
    });
    expect(await wal.append(new Uint8Array(3))).toBe(1);
    await wal.close();
  });

  it('takes a pino logger as it is and refuses a logger without the four methods', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const wal = await Wal.open(memEnv(), { logger: createLogger({ level: 'info', destination }) });
    await wal.close();
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'new log started', level: 30, newLog: true });
    await expect(Wal.open(memEnv(), { logger: { info: () => undefined } as unknown as WalLogger })).rejects.toMatchObject({
      code: 'EINVAL',
    });
  });
});
