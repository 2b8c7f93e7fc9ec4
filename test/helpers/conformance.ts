import { describe, it } from 'vitest';
import { filesystemConformanceCases, type FileSystemFactory } from '../../src/conformance/filesystem.js';

/** Registers every port conformance case as a vitest test against the factory's filesystems. */
export function describeFilesystemConformance(label: string, factory: FileSystemFactory): void {
  describe(`FileSystem conformance: ${label}`, () => {
    for (const c of filesystemConformanceCases) {
      it(c.name, async () => {
        const { fs, cleanup } = await factory();
        try {
          await c.run(fs);
        } finally {
          await cleanup?.();
        }
      });
    }
  });
}
