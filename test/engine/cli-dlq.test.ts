/** faultline dlq list | show | replay | purge on a real disk: the round trip, and the exit statuses of bad input. */
import { mkdir, open, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { applyRecovered, Wal } from '../../src/engine/index.js';
import { RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE } from '../../src/engine/format.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { runFaultline } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { dec, enc } from './support.js';

const HANDLER = `export default (entry) => {
  const text = new TextDecoder().decode(entry.parts[0].data);
  if (text.includes('poison')) throw Object.assign(new Error('still cannot apply ' + text), { code: 'EPOISON' });
};
`;

it('dlq: list, show, replay (a failure again is exit 1, naming it), purge; bad input is exit 2, a damaged queue exit 1', async () => {
  const { dir, cleanup } = await makeTempDir();
  try {
    const fs = new NodeFileSystem(dir);
    const clock = new RealClock();
    const wal = await Wal.open({ fs, clock, dir: 'log' }, { segmentSize: 4096 });
    for (const text of ['ok-1', 'poison-2', 'retry-3', 'ok-4']) await wal.append(enc(text));
    await wal.close();
    const reopened = await Wal.open({ fs, clock, dir: 'log' }, { segmentSize: 4096, deadLetters: true });
    await applyRecovered(reopened, {
      record: (r) => {
        if (!dec(r.data).startsWith('ok')) throw Object.assign(new Error(`cannot apply ${dec(r.data)}`), { code: 'EAPPLY' });
      },
    });
    await reopened.close();
    const log = join(dir, 'log');

    const listed = await runFaultline(['dlq', 'list', log]);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('2 live entries');
    expect(listed.stdout).toMatch(/ 1 {2}record {2}LSN 2 in wal-0000000000000001\.log {2}8 B {2}EAPPLY: cannot apply poison-2/);
    expect(listed.stdout).toMatch(/ 2 {2}record {2}LSN 3 /);
    const json = JSON.parse((await runFaultline(['dlq', 'list', log, '--json'])).stdout) as { entries: { id: number }[] };
    expect(json.entries.map((e) => e.id)).toEqual([1, 2]);

    const shown = await runFaultline(['dlq', 'show', log, '1']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('entry 1 (live)');
    expect(shown.stdout).toContain('part      LSN 2, 8 B: "poison-2"');
    const shownJson = JSON.parse((await runFaultline(['dlq', 'show', log, '2', '--json'])).stdout) as { parts: { base64: string }[] };
    expect(Buffer.from(shownJson.parts[0]?.base64 ?? '', 'base64').toString()).toBe('retry-3');
    const unknown = await runFaultline(['dlq', 'show', log, '99']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no dead-letter entry 99');

    const handler = join(dir, 'handler.mjs');
    await writeFile(handler, HANDLER);
    const replayed = await runFaultline(['dlq', 'replay', log, '--handler', handler]);
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toContain('1 replayed (2)');
    expect(replayed.stdout).toContain('entry 1 failed again and stays in the queue: EPOISON: still cannot apply poison-2');
    expect(replayed.stderr).toContain('1 entries failed again: 1');
    const after = await runFaultline(['dlq', 'list', log, '--all']);
    expect(after.stdout).toContain('1 live entries');
    expect(after.stdout).toMatch(/ 1 {2}record .*1 failed replay\(s\), last: EPOISON/);
    expect(after.stdout).toMatch(/ 2 \[replayed\] {2}record/);
    const missingHandler = await runFaultline(['dlq', 'replay', log, '--handler', join(dir, 'nope.mjs')]);
    expect(missingHandler.code).toBe(2);
    expect(missingHandler.stderr).toContain('cannot load the handler module');

    const noTarget = await runFaultline(['dlq', 'purge', log]);
    expect(noTarget.code).toBe(2);
    const unconfirmed = await runFaultline(['dlq', 'purge', log, '--through', '5']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('confirm with --yes');
    const resolvedAlready = await runFaultline(['dlq', 'purge', log, '--id', '2']);
    expect(resolvedAlready.code).toBe(2);
    expect(resolvedAlready.stderr).toContain('already replayed');
    const purged = await runFaultline(['dlq', 'purge', log, '--id', '1']);
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain('1 purged (1)');
    expect((await runFaultline(['dlq', 'list', log])).stdout).toContain('0 live entries');

    await mkdir(join(dir, 'empty'));
    const notLog = await runFaultline(['dlq', 'list', join(dir, 'empty')]);
    expect(notLog.code).toBe(2);
    expect(notLog.stderr).toContain('not a faultline log directory');
    const plain = await Wal.open({ fs, clock, dir: 'plain' }, { segmentSize: 4096 });
    await plain.append(enc('x'));
    await plain.close();
    const noQueue = await runFaultline(['dlq', 'list', join(dir, 'plain')]);
    expect(noQueue.code).toBe(2);
    expect(noQueue.stderr).toContain('no dead-letter queue');

    // A flipped bit in the queue's first record, with records synced after it: mid-log damage, refused.
    const [segment] = (await readdir(join(log, 'dlq'))).filter((n) => n.endsWith('.log'));
    const h = await open(join(log, 'dlq', segment as string), 'r+');
    await h.write(Buffer.from([0xff]), 0, 1, SEGMENT_HEADER_SIZE + RECORD_HEADER_SIZE + 20);
    await h.close();
    const damaged = await runFaultline(['dlq', 'list', log]);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain('log corruption');
    expect(damaged.stderr).toContain('dead-letter queue');
    expect((await runFaultline(['dlq', 'purge', log, '--id', '1'])).code).toBe(1);
  } finally {
    await cleanup();
  }
}, 120_000);
