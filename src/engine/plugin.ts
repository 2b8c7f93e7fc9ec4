/** The engine as a WalPlugin of the contract: `walPlugin(options)`, named 'faultline'. */
import type { WalEnv, WalLog, WalPlugin } from '../ports.js';
import { resolveOptions, type WalOptions } from './options.js';
import { Wal } from './wal.js';

/** durableAppend is true exactly for the levels whose append resolves after its fdatasync: everyWrite and groupCommit. */
export function walPlugin(options?: WalOptions): WalPlugin {
  const resolved = resolveOptions(options); // bad options fail here, with WalError EINVAL
  const kind = resolved.durability.kind;
  return {
    name: 'faultline',
    durableAppend: kind === 'everyWrite' || kind === 'groupCommit',
    open: (env: WalEnv): Promise<WalLog> => Wal.open(env, options),
  };
}
