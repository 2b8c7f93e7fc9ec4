/**
 * lateBoundNodeFs(current, which): a module namespace for a test runner's
 * module mock of 'node:fs' (which = 'fs') or 'node:fs/promises' ('promises')
 * whose every export forwards, when it is used, to the facade current()
 * returns then. A library's static imports bind once, at link time; this lets
 * each test point them at the facade of its own simulated disk
 * (docs/node-fs.md, the vitest recipe). The names are the facade's own.
 */
import type { FileSystem } from '../ports.js';
import { WalError } from '../errors.js';
import { createNodeFs } from './facade.js';

const unused = (): Promise<never> => Promise.reject(new WalError('EASSERT', 'the template facade is never called'));
const NO_DISK = {
  open: unused,
  readdir: unused,
  mkdir: unused,
  rename: unused,
  unlink: unused,
  stat: unused,
  syncDir: unused,
} as unknown as FileSystem;

export function lateBoundNodeFs(current: () => object | undefined, which: 'fs' | 'promises'): Record<string, unknown> {
  if (which !== 'fs' && which !== 'promises')
    throw new WalError('EINVAL', `lateBoundNodeFs: which must be 'fs' or 'promises', got ${String(which)}`);
  const target = (): Record<string, unknown> => {
    const fs = current();
    if (fs === undefined)
      throw new WalError('EINVAL', 'node:fs is mocked to the facade, but no facade is bound (bind one before the code under test runs)');
    return fs as Record<string, unknown>;
  };
  const template = createNodeFs(NO_DISK);
  const names = Object.keys(which === 'fs' ? template : template.promises);
  const module: Record<string, unknown> = {};
  for (const name of names) {
    const sample = (which === 'fs' ? (template as Record<string, unknown>) : (template.promises as Record<string, unknown>))[name];
    if (typeof sample === 'function') {
      // A plain function, so the classes (ReadStream, Stats, ...) still work with `new`.
      module[name] = function forward(this: unknown, ...args: unknown[]): unknown {
        const f = target()[name] as (...a: unknown[]) => unknown;
        return new.target === undefined ? f.apply(this, args) : Reflect.construct(f, args);
      };
    } else Object.defineProperty(module, name, { get: () => target()[name], enumerable: true });
  }
  module['default'] = new Proxy({}, { get: (_t, name) => target()[name as string] });
  return module;
}
