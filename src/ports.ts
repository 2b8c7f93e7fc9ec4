/**
 * The ports of the faultline plugin contract (../shared/spec/plugin-contract.md, v1).
 *
 * These names are public: code outside this repository is written against
 * them. Add members freely; never rename, drop or change the meaning of one.
 * Everything a WAL touches (disk, time) goes through these interfaces, so the
 * same WAL runs on a real disk and on the deterministic simulator.
 */

/**
 * 'r' read only, must exist; 'r+' read/write, must exist; 'w+' create or truncate; 'wx+' create, EEXIST if present.
 *
 * Added later (for the node:fs facade, docs/node-fs.md): 'a+' read/write, create
 * when absent, never truncate, and every write lands at the end of the file as it
 * is when the write happens (O_APPEND: the write's position is checked but not
 * used); 'ax+' the same, but create exclusively (EEXIST if present). A port
 * written before these flags rejects them (EINVAL), and callers must expect that.
 */
export type OpenFlags = 'r' | 'r+' | 'w+' | 'wx+' | 'a+' | 'ax+';

/** The flags every port has offered from the start (the contract's four). */
export const OPEN_FLAGS: readonly OpenFlags[] = ['r', 'r+', 'w+', 'wx+'];

/** The append flags added later: a port may reject them with EINVAL (see OpenFlags). */
export const APPEND_OPEN_FLAGS: readonly OpenFlags[] = ['a+', 'ax+'];

export interface FileStat {
  size: number;
  isFile: boolean;
  isDirectory: boolean;
  /**
   * Optional (added later): the last data modification (a write, a truncate; for
   * a directory, a change of its entries), in milliseconds of the port's time:
   * the wall clock on a real disk, virtual time in the simulator.
   */
  mtimeMs?: number;
}

export interface FileHandle {
  /** Reads up to buffer.length bytes at position; resolves with bytes read (0 at end of file). */
  read(buffer: Uint8Array, position: number): Promise<number>;
  /**
   * Writes all of data at position, or rejects. When it rejects (ENOSPC, EIO)
   * any prefix of data may have reached the page cache.
   */
  write(data: Uint8Array, position: number): Promise<void>;
  /** fsync: data and metadata of this file are durable when it resolves. */
  sync(): Promise<void>;
  /** fdatasync: data (and the size, if it changed) are durable when it resolves. */
  datasync(): Promise<void>;
  truncate(size: number): Promise<void>;
  stat(): Promise<FileStat>;
  close(): Promise<void>;
}

export interface FileSystem {
  open(path: string, flags: OpenFlags): Promise<FileHandle>;
  /** Names only, any order. */
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Atomic replace, like rename(2). */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  stat(path: string): Promise<FileStat>;
  /** fsync on the directory: creates, renames and unlinks inside it are durable when it resolves. */
  syncDir(path: string): Promise<void>;
  /**
   * Optional (added later): removes an empty directory, like rmdir(2) (ENOENT,
   * ENOTDIR, ENOTEMPTY). Durable only after syncDir on its parent, like unlink.
   * A port without it cannot remove directories.
   */
  rmdir?(path: string): Promise<void>;
}

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves after ms of this clock's time. */
  sleep(ms: number): Promise<void>;
  /**
   * Optional (added later): wall-clock time, milliseconds since the Unix
   * epoch. Unlike now() it may jump, backwards too (NTP, an operator, a
   * VM's restore). A log opened with `timestamps` stamps its batches with it
   * (docs/format.md, "Time marks"). A clock without it cannot stamp.
   */
  wallNow?(): number;
}

export interface WalEnv {
  fs: FileSystem;
  clock: Clock;
  dir: string;
}

export interface RecoveredRecord {
  lsn: number;
  data: Uint8Array;
}

export interface WalLog {
  /** What recovery found when the log was opened, oldest first. */
  readonly recovered: readonly RecoveredRecord[];
  /**
   * Appends one record; resolves with its LSN. LSNs are positive safe integers,
   * strictly increasing, also across restarts. When the plugin's durableAppend
   * is true, the record is durable when this resolves.
   */
  append(record: Uint8Array): Promise<number>;
  /** Every record whose append resolved before this call is durable when it resolves. */
  sync(): Promise<void>;
  /** Optional: records with lsn < upTo may be discarded from now on. */
  truncatePrefix?(upTo: number): Promise<void>;
  close(): Promise<void>;
}

export interface WalPlugin {
  readonly name: string;
  readonly durableAppend: boolean;
  /** Opens (and recovers) the log in env.dir, creating it when absent. */
  open(env: WalEnv): Promise<WalLog>;
}

/** A plugin module's default export: a plugin, or a factory of one. */
export type WalPluginModuleExport = WalPlugin | ((options?: unknown) => WalPlugin);

/** A transaction of a store under test (contract section 5). */
export interface StoreTransaction {
  /** Reads the value as of this transaction, its own writes included. */
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): void;
  delete(key: string): void;
}

/** A key-value store with transactions (contract section 5). */
export interface Store {
  /**
   * Runs fn in a transaction. When fn resolves, the transaction commits and
   * transaction() resolves with fn's result; when the plugin's durableCommit
   * is true, the commit is durable by then. When fn rejects (or the commit
   * fails, or the transaction times out), nothing of it is ever applied and
   * transaction() rejects.
   */
  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  get(key: string): Promise<Uint8Array | undefined>;
  /** The whole state, sorted by key (the checker reads it after recovery). */
  entries(): Promise<Array<[string, Uint8Array]>>;
  /** Every commit that resolved before this call is durable when it resolves. */
  sync(): Promise<void>;
  /** Optional: persist the state and release the log prefix it covers. */
  checkpoint?(): Promise<void>;
  close(): Promise<void>;
}

export interface StorePlugin {
  readonly name: string;
  readonly durableCommit: boolean;
  /** Opens (and recovers) the store in env.dir, creating it when absent. */
  openStore(env: WalEnv): Promise<Store>;
}

/** A store plugin module's default export: a plugin, or a factory of one. */
export type StorePluginModuleExport = StorePlugin | ((options?: unknown) => StorePlugin);
