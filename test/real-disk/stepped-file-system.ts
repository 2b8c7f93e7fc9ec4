/**
 * A FileSystem that awaits a hook before every operation that changes or
 * syncs something (on the port and on the handles it opened), numbering
 * them from 0. The hot-backup writer child (backup-child.ts) wraps a backup's
 * destination in it, to report each step of the backup to the parent before
 * it runs, to SIGKILL itself before a chosen one, and to run retention work
 * at a known moment of the copy.
 */
import { ForwardingFileHandle, ForwardingFileSystem } from '../../src/forwarding-file-system.js';
import type { FileHandle, FileSystem, OpenFlags } from '../../src/ports.js';

export type StepHook = (step: number, op: string, path: string) => Promise<void>;

class SteppedHandle extends ForwardingFileHandle {
  constructor(
    inner: FileHandle,
    private readonly path: string,
    private readonly before: (op: string, path: string) => Promise<void>,
  ) {
    super(inner);
  }
  override async write(data: Uint8Array, position: number): Promise<void> {
    await this.before('write', this.path);
    return super.write(data, position);
  }
  override async sync(): Promise<void> {
    await this.before('sync', this.path);
    return super.sync();
  }
  override async datasync(): Promise<void> {
    await this.before('datasync', this.path);
    return super.datasync();
  }
  override async truncate(size: number): Promise<void> {
    await this.before('truncate', this.path);
    return super.truncate(size);
  }
  override async close(): Promise<void> {
    await this.before('close', this.path);
    return super.close();
  }
}

export class SteppedFileSystem extends ForwardingFileSystem {
  /** Steps begun so far (the next one's number). */
  steps = 0;

  constructor(
    inner: FileSystem,
    private readonly hook: StepHook,
  ) {
    super(inner);
  }

  private readonly before = async (op: string, path: string): Promise<void> => {
    const step = this.steps++;
    await this.hook(step, op, path);
  };

  protected override wrapHandle(handle: FileHandle, path: string, _flags: OpenFlags): FileHandle {
    return new SteppedHandle(handle, path, this.before);
  }
  override async open(path: string, flags: OpenFlags): Promise<FileHandle> {
    await this.before(`open ${flags}`, path);
    return super.open(path, flags);
  }
  override async mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    await this.before('mkdir', path);
    return super.mkdir(path, options);
  }
  override async rename(from: string, to: string): Promise<void> {
    await this.before('rename', `${from} -> ${to}`);
    return super.rename(from, to);
  }
  override async unlink(path: string): Promise<void> {
    await this.before('unlink', path);
    return super.unlink(path);
  }
  override async syncDir(path: string): Promise<void> {
    await this.before('syncDir', path);
    return super.syncDir(path);
  }
  override async rmdir(path: string): Promise<void> {
    await this.before('rmdir', path);
    return super.rmdir(path);
  }
}
