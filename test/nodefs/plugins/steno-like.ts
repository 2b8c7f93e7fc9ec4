/**
 * A library as it is published: it imports node:fs and node:fs/promises
 * itself, and knows nothing of faultline. It saves a JSON document the way
 * steno (lowdb's writer) does: write a temporary file, rename it over the
 * target; no fsync of either. vitest-mock.test.ts binds its node:fs imports
 * to the facade of a simulated disk without editing it.
 */
import fs from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';

export async function save(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, file);
}

export async function load(file: string): Promise<unknown> {
  if (!(await new Promise<boolean>((resolve) => fs.access(file, (err) => resolve(err === null))))) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as unknown;
}
