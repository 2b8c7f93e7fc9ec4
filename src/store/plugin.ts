/** The built-in store as a StorePlugin of the contract (section 5): `storePlugin(options)`, named 'faultline-store'. */
import type { StorePlugin, WalEnv } from '../ports.js';
import { resolveStoreOptions, type StoreOptions } from './options.js';
import { openStore } from './store.js';

/** durableCommit is true exactly for the log levels whose commit resolves after its fdatasync: everyWrite and groupCommit. */
export function storePlugin(options?: StoreOptions): StorePlugin {
  const resolved = resolveStoreOptions(options); // bad options fail here, with WalError EINVAL
  const kind = resolved.walResolved.durability.kind;
  return {
    name: 'faultline-store',
    durableCommit: kind === 'everyWrite' || kind === 'groupCommit',
    openStore: (env: WalEnv) => openStore(env, options),
  };
}
