import { createSimWorld, type SimWorld, type SimWorldOptions } from '../../src/sim/index.js';

/** The host yield the harness uses: lets every microtask run before the next pick. */
export const hostYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function world(seed: number | string, opts: Omit<SimWorldOptions, 'seed' | 'hostYield'> = {}): SimWorld {
  return createSimWorld({ seed, hostYield, ...opts });
}

export const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
export const fill = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

export function fileOf(image: { files: { path: string; data: Uint8Array }[] }, path: string): Uint8Array | undefined {
  return image.files.find((f) => f.path === path)?.data;
}
