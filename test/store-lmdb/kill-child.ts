/**
 * The child of the LMDB SIGKILL test: opens the LMDB state store at argv[2]
 * for store argv[3] and applies killTxnWrites(lsn) for lsn = appliedLsn + 1,
 * ... forever, two applies in flight at a time (so lmdb-js may batch them),
 * printing "applied <lsn>" after each apply resolves. The parent kills it.
 */
import { lmdbState } from '../../src/store-lmdb/lmdb-state.js';
import { killTxnWrites } from './kill-txns.js';

const [path, storeId] = process.argv.slice(2);
if (path === undefined || storeId === undefined) throw new Error('usage: kill-child <path> <storeId>');
const state = await lmdbState({ path })({ storeId });
process.stdout.write(`ready ${state.appliedLsn}\n`);
let next = state.appliedLsn + 1;
for (;;) {
  const pair = [next, next + 1].map((lsn) => state.apply(lsn, killTxnWrites(lsn)).then(() => process.stdout.write(`applied ${lsn}\n`)));
  next += 2;
  await Promise.all(pair);
}
