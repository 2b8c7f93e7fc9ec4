/**
 * The write-file-atomic idiom as a Node library writes it, in node:fs's
 * callback style and against whatever `fs` module it is handed (here the
 * facade, in production node:fs itself): write a temporary file, fsync it,
 * close it, rename it over the target, fsync the directory. The two switches
 * remove one step each, to make the buggy variants the harness must catch.
 */
import { dirname } from 'node:path';

export interface AtomicWriteSteps {
  /** fsync the temporary file before the rename (without it a crash can leave the new name with lost content). */
  fsyncFile: boolean;
  /** fsync the directory after the rename (without it a crash can bring the old file back). */
  fsyncDir: boolean;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Callback = (err: NodeJS.ErrnoException | null) => void;

/** `tmp`: the temporary file's name (the caller makes it unique; a run must name it the same way each time to replay). */
export function writeFileAtomic(fs: any, file: string, tmp: string, data: string, steps: AtomicWriteSteps, done: Callback): void {
  const fail = (err: NodeJS.ErrnoException, fd?: number): void => {
    // Clean up as the library does, then report the first error.
    const unlink = (): void => fs.unlink(tmp, () => done(err));
    if (fd === undefined) unlink();
    else fs.close(fd, unlink);
  };
  fs.open(tmp, 'w', 0o666, (err: NodeJS.ErrnoException | null, fd: number) => {
    if (err !== null) return done(err);
    fs.write(fd, data, 0, 'utf8', (werr: NodeJS.ErrnoException | null) => {
      if (werr !== null) return fail(werr, fd);
      const close = (): void =>
        fs.close(fd, (cerr: NodeJS.ErrnoException | null) => {
          if (cerr !== null) return fail(cerr);
          fs.rename(tmp, file, (rerr: NodeJS.ErrnoException | null) => {
            if (rerr !== null) return fail(rerr);
            if (!steps.fsyncDir) return done(null);
            fs.open(dirname(file), 'r', (derr: NodeJS.ErrnoException | null, dirFd: number) => {
              if (derr !== null) return done(derr);
              fs.fsync(dirFd, (serr: NodeJS.ErrnoException | null) => {
                fs.close(dirFd, (cerr2: NodeJS.ErrnoException | null) => done(serr ?? cerr2));
              });
            });
          });
        });
      if (!steps.fsyncFile) return close();
      fs.fsync(fd, (serr: NodeJS.ErrnoException | null) => (serr !== null ? fail(serr, fd) : close()));
    });
  });
}
