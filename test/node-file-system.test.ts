import { describe, expect, it } from 'vitest';
import { ForwardingFileSystem } from '../src/forwarding-file-system.js';
import { NodeFileSystem } from '../src/real/node-file-system.js';
import { RealClock } from '../src/real/real-clock.js';
import { describeFilesystemConformance } from './helpers/conformance.js';
import { makeTempDir } from './helpers/tmpdir.js';

describeFilesystemConformance('NodeFileSystem', async () => {
  const { dir, cleanup } = await makeTempDir();
  return { fs: new NodeFileSystem(dir), cleanup };
});

describe('NodeFileSystem root confinement', () => {
  it('rejects paths that escape the root with EINVAL, accepts absolute paths inside it', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const fs = new NodeFileSystem(dir);
      for (const bad of ['..', '../x', 'a/../../x', '/etc/passwd', `${dir}/../x`, '']) {
        await expect(fs.stat(bad)).rejects.toMatchObject({ code: 'EINVAL' });
        await expect(fs.open(bad, 'w+')).rejects.toMatchObject({ code: 'EINVAL' });
      }
      await fs.mkdir('a');
      await (await fs.open(`${dir}/a/f`, 'w+')).close();
      expect(await fs.readdir('a')).toEqual(['f']);
      expect((await fs.stat('a/./f')).isFile).toBe(true);
      expect((await fs.stat('a/../a/f')).isFile).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('passes node error codes through unchanged', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const fs = new NodeFileSystem(dir);
      await expect(fs.unlink('nope')).rejects.toMatchObject({ code: 'ENOENT', syscall: 'unlink' });
    } finally {
      await cleanup();
    }
  });
});

describe('RealClock', () => {
  it('is monotonic and sleeps at least roughly the time asked', async () => {
    const clock = new RealClock();
    const a = clock.now();
    await clock.sleep(5);
    const b = clock.now();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(b - a).toBeGreaterThan(1);
  });
});

describe('ForwardingFileSystem', () => {
  describeFilesystemConformance('ForwardingFileSystem over NodeFileSystem', async () => {
    const { dir, cleanup } = await makeTempDir();
    return { fs: new ForwardingFileSystem(new NodeFileSystem(dir)), cleanup };
  });
});
