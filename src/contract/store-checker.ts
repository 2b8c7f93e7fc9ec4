/**
 * The store checker: the plugin contract's §5 rules on one recovery of a
 * transactional store, each returning undefined or a StoreViolation with its
 * evidence. It looks only at what the contract exposes: the store history
 * (what each transaction read and wrote, when it began and settled) and the
 * state an open recovered.
 *
 * A recovery is judged against the state the previous successful open
 * recovered (the *base*: everything before it was judged then) and the
 * transactions of the epochs since (the *window*; a runner's epochs cut in
 * recovery run no clients, so the window's transactions are those of one
 * live process). Every put wrote a unique value naming its transaction and
 * write (store-values.ts), so each key of the recovered state names the one
 * write it shows, and every read names the write it returned.
 *
 * Serializability stays polynomial, after Elle: no search over serial
 * orders. From the unique writes the checker infers, per key, what must
 * precede what: write-read edges (T read U's value), write-write edges (the
 * recovered value's writer comes after every other applied writer of that
 * key; a writer that read U's value comes after U), read-write
 * anti-dependencies (a reader of a version comes before the writers of the
 * versions after it), and real-time edges (U resolved before T began). A
 * cycle among the committed transactions (Tarjan's strongly connected
 * components) is a read that contradicts every serial order. The applied set
 * must be closed under those edges: a transaction applied while one it
 * depends on provably is not breaks the prefix (or durability, when that one
 * was acknowledged).
 */
import { ABORT_CODES, type StoreCall, type StoreViolation, type TxnCall } from './store-types.js';
import { parseStoreValue, describeValue, sameValue } from './store-values.js';
import { lastResolvedSyncCall } from './checker.js';

/** Everything one store recovery check needs. */
export interface StoreRecoveryView {
  /** The epoch this open starts. */
  epoch: number;
  calls: readonly StoreCall[];
  durableCommit: boolean;
  /** The state the previous successful open recovered (empty before the first). */
  base: ReadonlyMap<string, Uint8Array>;
  /** The epoch that open started (0 before the first). */
  baseEpoch: number;
  /** What this open recovered (Store.entries()). */
  state: readonly (readonly [string, Uint8Array])[];
  /** False once a fault that may take acknowledged data fired (bitflip, lying-fsync, ...): rule 2 is then not applied. */
  durabilityRequired: boolean;
}

type Status = 'committed' | 'aborted' | 'unknown';

/** A transaction's net writes: per key its last put's value, or null for a delete. */
interface Txn {
  call: TxnCall;
  status: Status;
  acknowledged: boolean;
  writes: Map<string, Uint8Array | null>;
  /** Reads of versions other transactions made (not of its own writes): key and value (null: absent). */
  externalReads: { key: string; value: Uint8Array | null }[];
}

/** What one key of the recovered state shows. */
/** 'older': a write from before the base, allowed once a fault that may destroy data fired; it proves nothing about the window. */
type Shows = { kind: 'base' } | { kind: 'absent' } | { kind: 'older' } | { kind: 'write'; txn: Txn };

function statusOf(c: TxnCall): Status {
  if (c.fnRejected !== undefined) return 'aborted';
  if (c.outcome === 'resolved') return 'committed';
  if (c.outcome === 'rejected' && c.error?.code !== undefined && ABORT_CODES.includes(c.error.code)) return 'aborted';
  return 'unknown';
}

/** The contract's "aborted": fn rejected, or transaction() rejected with ETIMEDOUT or ECONFLICT. */
export function isAborted(c: TxnCall): boolean {
  return statusOf(c) === 'aborted';
}

/** The contract's "acknowledged": resolved while durableCommit, or resolved before a call of sync() that resolved. */
export function acknowledgedTransactions(calls: readonly StoreCall[], durableCommit: boolean, epoch?: number): TxnCall[] {
  const syncs = lastResolvedSyncCall(calls);
  return calls.filter(
    (c): c is TxnCall =>
      c.kind === 'transaction' &&
      (epoch === undefined || c.epoch === epoch) &&
      statusOf(c) === 'committed' &&
      c.settledTick !== undefined &&
      (durableCommit || (syncs.get(c.epoch) ?? -1) > c.settledTick),
  );
}

function txnOf(c: TxnCall, acknowledged: boolean): Txn {
  const writes = new Map<string, Uint8Array | null>();
  const externalReads: Txn['externalReads'] = [];
  for (const e of c.events) {
    if (e.op === 'put') writes.set(e.key, e.value);
    else if (e.op === 'delete') writes.set(e.key, null);
    else if (!writes.has(e.key)) externalReads.push({ key: e.key, value: e.value });
  }
  return { call: c, status: statusOf(c), acknowledged, writes, externalReads };
}

function label(t: Txn | TxnCall): string {
  return 'call' in t ? t.call.label : t.label;
}

/** Which transaction (of the whole history) wrote exactly these bytes under this key, and whether it was its last write there. */
function writerOf(byId: ReadonlyMap<number, TxnCall>, key: string, value: Uint8Array): { call: TxnCall; final: boolean } | undefined {
  const id = parseStoreValue(value);
  const call = id === undefined ? undefined : byId.get(id.txn);
  if (call === undefined) return undefined;
  let found = -1;
  let last = -1;
  call.events.forEach((e, i) => {
    if ((e.op === 'put' || e.op === 'delete') && e.key === key) last = i;
    if (e.op === 'put' && e.key === key && sameValue(e.value, value)) found = i;
  });
  return found < 0 ? undefined : { call, final: found === last };
}

/** The judgement of one recovery: the window's transactions and what the state shows of each. */
class Analysis {
  readonly byId = new Map<number, TxnCall>();
  readonly window: Txn[] = [];
  readonly inWindow = new Map<number, Txn>();
  readonly shows = new Map<string, Shows>();
  /** Keys some window transaction deletes. */
  readonly deleted = new Set<string>();
  readonly state: Map<string, Uint8Array>;
  /** The first problem found while reading the state (garbage, an intermediate or stale value). */
  stateProblem: StoreViolation | undefined;

  constructor(readonly view: StoreRecoveryView) {
    this.state = new Map(view.state.map(([k, v]) => [k, v]));
    const acked = new Set(acknowledgedTransactions(view.calls, view.durableCommit).map((c) => c.id));
    for (const c of view.calls) {
      if (c.kind !== 'transaction') continue;
      this.byId.set(c.id, c);
      if (c.epoch < view.baseEpoch || c.epoch >= view.epoch) continue;
      const t = txnOf(c, acked.has(c.id));
      this.window.push(t);
      this.inWindow.set(c.id, t);
      for (const [k, v] of t.writes) if (v === null) this.deleted.add(k);
    }
    for (const [key, value] of this.state) this.readKey(key, value);
    if (this.stateProblem === undefined) this.checkVanished();
  }

  private problem(v: StoreViolation): void {
    this.stateProblem ??= v;
  }

  private readKey(key: string, value: Uint8Array): void {
    const base = this.view.base.get(key);
    if (base !== undefined && sameValue(base, value)) {
      this.shows.set(key, { kind: 'base' });
      return;
    }
    const w = writerOf(this.byId, key, value);
    const t = w === undefined ? undefined : this.inWindow.get(w.call.id);
    if (w === undefined) {
      this.problem({
        rule: 'atomicity',
        epoch: this.view.epoch,
        message: `key ${key} holds ${describeValue(value)}, which no transaction wrote to it`,
        evidence: { key, value: describeValue(value) },
        recovered: this.recoveredLines(),
      });
    } else if (!w.final) {
      this.problem({
        rule: 'atomicity',
        epoch: this.view.epoch,
        message: `key ${key} shows an intermediate write of ${w.call.label} (${describeValue(value)}), not its last write to that key`,
        evidence: { key, transaction: w.call.label, value: describeValue(value) },
        recovered: this.recoveredLines(),
      });
    } else if (t === undefined) {
      // A write of a transaction from before the base, other than the base's value: the state went back, or came back.
      if (!this.view.durabilityRequired) {
        this.shows.set(key, { kind: 'older' });
        return;
      }
      this.problem(
        base === undefined
          ? {
              rule: 'order',
              epoch: this.view.epoch,
              message: `key ${key} shows ${w.call.label}'s write, which the state recovered in epoch ${this.view.baseEpoch} did not have: a transaction came back after a recovery without it`,
              evidence: { key, transaction: w.call.label, baseEpoch: this.view.baseEpoch },
              recovered: this.recoveredLines(),
            }
          : {
              rule: 'durability',
              epoch: this.view.epoch,
              message: `key ${key} went back to ${w.call.label}'s write (${describeValue(value)}) from ${describeValue(base)}, which the open of epoch ${this.view.baseEpoch} recovered`,
              evidence: { key, shows: w.call.label, recoveredBefore: describeValue(base), baseEpoch: this.view.baseEpoch },
              recovered: this.recoveredLines(),
            },
      );
    } else {
      this.shows.set(key, { kind: 'write', txn: t });
    }
  }

  /** A key of the base that is gone although no window transaction deletes it: an applied write was lost. */
  private checkVanished(): void {
    if (!this.view.durabilityRequired) return;
    for (const [key, value] of this.view.base) {
      if (this.state.has(key) || this.deleted.has(key)) continue;
      this.problem({
        rule: 'durability',
        epoch: this.view.epoch,
        message: `key ${key} (${describeValue(value)}, recovered by the open of epoch ${this.view.baseEpoch}) is gone, and no transaction since deleted it`,
        evidence: { key, recoveredBefore: describeValue(value), baseEpoch: this.view.baseEpoch },
        recovered: this.recoveredLines(),
      });
      return;
    }
  }

  showsOf(key: string): Shows {
    return this.shows.get(key) ?? (this.state.has(key) ? { kind: 'base' } : { kind: 'absent' });
  }

  describeShows(key: string): string {
    const s = this.showsOf(key);
    if (s.kind === 'write') return s.txn.call.label;
    if (s.kind === 'absent') return 'absent';
    if (s.kind === 'older') return 'an older value';
    return `the value recovered in epoch ${this.view.baseEpoch}`;
  }

  recoveredLines(): string[] {
    return [...this.state].map(([k, v]) => {
      const s = this.shows.get(k);
      return `${k}=${s?.kind === 'write' ? s.txn.call.label : s?.kind === 'base' ? `base:${describeValue(v)}` : describeValue(v)}`;
    });
  }

  /** Keys where the state shows t's write. */
  visible(t: Txn): string[] {
    const out: string[] = [];
    for (const k of t.writes.keys()) {
      const s = this.shows.get(k);
      if (s?.kind === 'write' && s.txn === t) out.push(k);
    }
    return out;
  }

  /** u must precede t in every order the history allows: u resolved before t began, or t read u's write. */
  precedes(u: Txn, t: Txn): 'rt' | 'wr' | undefined {
    if (u === t) return undefined;
    if (u.call.outcome === 'resolved' && u.call.settledTick !== undefined && u.call.settledTick < t.call.calledTick) return 'rt';
    for (const r of t.externalReads) {
      if (r.value === null) continue;
      const w = writerOf(this.byId, r.key, r.value);
      if (w?.call.id === u.call.id) return 'wr';
    }
    return undefined;
  }

  /**
   * A key that proves t was not applied: t's net write there would show (a
   * value, or absent), but the state shows the base's value (no window
   * writer restores it), absent with nobody else deleting, or the write of a
   * transaction that precedes t.
   */
  excludedBy(t: Txn): { key: string; shows: string } | undefined {
    for (const [key, value] of t.writes) {
      const s = this.showsOf(key);
      let impossible = false;
      if (s.kind === 'base') impossible = true;
      else if (s.kind === 'absent') impossible = value !== null && ![...this.deleters(key)].some((d) => d !== t);
      else if (s.kind === 'write' && s.txn !== t) impossible = this.precedes(s.txn, t) !== undefined;
      if (impossible) return { key, shows: this.describeShows(key) };
    }
    return undefined;
  }

  private deletersCache = new Map<string, Txn[]>();
  deleters(key: string): Txn[] {
    let d = this.deletersCache.get(key);
    if (d === undefined) {
      d = this.window.filter((t) => t.writes.get(key) === null);
      this.deletersCache.set(key, d);
    }
    return d;
  }

  /** Transactions the state shows applied. */
  applied(): Txn[] {
    return this.window.filter((t) => this.visible(t).length > 0);
  }
}

// ---- rule 1: atomicity ------------------------------------------------------------

function checkAtomicityOf(a: Analysis): StoreViolation | undefined {
  if (a.stateProblem?.rule === 'atomicity') return a.stateProblem;
  for (const t of a.applied()) {
    const missing = a.excludedBy(t);
    if (missing === undefined) continue;
    const shown = a.visible(t);
    return {
      rule: 'atomicity',
      epoch: a.view.epoch,
      message: `${label(t)} is applied in part: the state shows its write to ${shown.join(', ')} but not to ${missing.key}, which shows ${missing.shows}`,
      evidence: { partial: label(t), shows: shown, missingKey: missing.key, keyShows: missing.shows, writes: [...t.writes.keys()] },
      recovered: a.recoveredLines(),
    };
  }
  return undefined;
}

// ---- rule 3: aborted transactions are never applied --------------------------------

function checkAbortedOf(a: Analysis): StoreViolation | undefined {
  for (const t of a.window) {
    if (t.status !== 'aborted') continue;
    const shown = a.visible(t);
    if (shown.length === 0) continue;
    const why =
      t.call.fnRejected !== undefined ? `its fn rejected (${t.call.fnRejected.message})` : `transaction() rejected ${t.call.error?.code}`;
    return {
      rule: 'aborted',
      epoch: a.view.epoch,
      message: `${label(t)} was aborted (${why}), yet the state shows its write to ${shown.join(', ')}`,
      evidence: { aborted: label(t), shows: shown, error: t.call.error ?? t.call.fnRejected },
      recovered: a.recoveredLines(),
    };
  }
  return undefined;
}

// ---- rule 2: durability -------------------------------------------------------------

function checkDurabilityOf(a: Analysis): StoreViolation | undefined {
  if (!a.view.durabilityRequired) return undefined;
  if (a.stateProblem?.rule === 'durability') return a.stateProblem;
  const acked = a.window.filter((t) => t.acknowledged && t.writes.size > 0);
  const missing: { t: Txn; key: string; shows: string }[] = [];
  for (const t of acked) {
    const m = a.excludedBy(t);
    if (m !== undefined) missing.push({ t, ...m });
  }
  if (missing.length === 0) return undefined;
  return {
    rule: 'durability',
    epoch: a.view.epoch,
    message: `${missing.length} acknowledged transaction(s) not applied: ${missing
      .slice(0, 5)
      .map((m) => `${label(m.t)} (${m.key} shows ${m.shows})`)
      .join(', ')}${missing.length > 5 ? ', ...' : ''}`,
    evidence: { missing: missing.map((m) => ({ transaction: label(m.t), key: m.key, keyShows: m.shows })) },
    expected: acked.map(label),
    recovered: a.recoveredLines(),
  };
}

// ---- rule 4: order (a prefix of one strictly serializable order) ------------------

/** Reads the committed transactions made that no serial order can give: garbage, aborted, intermediate, stale, or not their own write. */
function checkReadsOf(a: Analysis): StoreViolation | undefined {
  const bad = (t: Txn, message: string, evidence: Record<string, unknown>): StoreViolation => ({
    rule: 'order',
    epoch: a.view.epoch,
    message: `${label(t)} ${message}`,
    evidence: { transaction: label(t), ...evidence },
    recovered: a.recoveredLines(),
  });
  for (const t of a.window) {
    if (t.status === 'aborted' || (t.status === 'unknown' && a.visible(t).length === 0)) continue;
    // Reads of its own writes return them.
    const own = new Map<string, Uint8Array | null>();
    for (const e of t.call.events) {
      if (e.op === 'put') own.set(e.key, e.value);
      else if (e.op === 'delete') own.set(e.key, null);
      else if (own.has(e.key)) {
        const mine = own.get(e.key) ?? null;
        if (mine === null ? e.value !== null : e.value === null || !sameValue(mine, e.value))
          return bad(
            t,
            `read ${e.key} after writing it and got ${e.value === null ? 'absent' : describeValue(e.value)}, not its own write`,
            {
              key: e.key,
            },
          );
      }
    }
    for (const r of t.externalReads) {
      const base = a.view.base.get(r.key);
      if (r.value === null) {
        if (base !== undefined && a.deleters(r.key).length === 0)
          return bad(t, `read ${r.key} as absent, though it held ${describeValue(base)} and no transaction deleted it`, { key: r.key });
        continue;
      }
      if (base !== undefined && sameValue(base, r.value)) continue;
      const w = writerOf(a.byId, r.key, r.value);
      if (w === undefined) return bad(t, `read ${describeValue(r.value)} from ${r.key}, which no transaction wrote to it`, { key: r.key });
      const u = a.inWindow.get(w.call.id);
      if (u === undefined) {
        if (!a.view.durabilityRequired) continue;
        return bad(t, `read ${w.call.label}'s write from ${r.key}, older than the state its process started from`, {
          key: r.key,
          read: w.call.label,
        });
      }
      if (u.status === 'aborted')
        return bad(t, `read ${r.key} as written by ${label(u)}, which was aborted (a dirty read)`, { key: r.key, readFrom: label(u) });
      if (!w.final && u !== t)
        return bad(t, `read an intermediate write of ${label(u)} to ${r.key}, not its last one`, { key: r.key, readFrom: label(u) });
    }
  }
  return undefined;
}

/** The applied set is closed under what must precede: applied t, predecessor p provably not applied. */
function checkPrefixOf(a: Analysis): StoreViolation | undefined {
  const applied = a.applied();
  for (const t of applied) {
    for (const p of a.window) {
      if (p === t || p.status === 'aborted' || p.writes.size === 0) continue;
      const edge = a.precedes(p, t);
      if (edge === undefined) continue;
      const missing = a.excludedBy(p);
      if (missing === undefined) continue;
      // A lost acknowledged predecessor is durability's (judged first); under a destroying fault only a read of it is wrong.
      if (p.acknowledged && edge === 'rt') continue;
      const how = edge === 'rt' ? 'resolved before it began' : `wrote what it read`;
      return {
        rule: 'order',
        epoch: a.view.epoch,
        message: `${label(t)} is applied but ${label(p)}, which ${how}, is not (${missing.key} shows ${missing.shows}): the applied transactions are no prefix of a serial order`,
        evidence: { applied: label(t), missingPredecessor: label(p), edge, key: missing.key, keyShows: missing.shows },
        recovered: a.recoveredLines(),
      };
    }
  }
  return undefined;
}

type EdgeKind = 'rt' | 'wr' | 'ww' | 'rw';
interface Edge {
  to: number;
  kind: EdgeKind;
  key?: string;
}

/** The dependency graph over the committed (or applied) transactions of the window, by index into `nodes`. */
function dependencyGraph(a: Analysis, nodes: readonly Txn[]): Edge[][] {
  const index = new Map(nodes.map((t, i) => [t, i]));
  const out: Edge[][] = nodes.map(() => []);
  const add = (from: Txn, to: Txn, kind: EdgeKind, key?: string): void => {
    const f = index.get(from);
    const t = index.get(to);
    if (f === undefined || t === undefined || f === t) return;
    out[f]?.push(key === undefined ? { to: t, kind } : { to: t, kind, key });
  };
  // Real time: u resolved before t began.
  for (const u of nodes)
    for (const t of nodes)
      if (u.call.outcome === 'resolved' && u.call.settledTick !== undefined && u.call.settledTick < t.call.calledTick) add(u, t, 'rt');
  // Per key: the versions each transaction read, and who must install a version after whose.
  const after = (u: Txn, w: Txn, key: string): boolean => {
    if (a.precedes(u, w) === 'rt') return true;
    if (w.externalReads.some((r) => r.key === key && r.value !== null && writerOf(a.byId, key, r.value)?.call.id === u.call.id))
      return true;
    const s = a.showsOf(key);
    return s.kind === 'write' && s.txn === w && a.visible(u).length > 0;
  };
  for (const t of nodes) {
    for (const r of t.externalReads) {
      const writers = nodes.filter((w) => w !== t && w.writes.has(r.key));
      const base = a.view.base.get(r.key);
      const readBase =
        r.value === null ? base === undefined && a.deleters(r.key).length === 0 : base !== undefined && sameValue(base, r.value);
      if (readBase) {
        for (const w of writers) add(t, w, 'rw', r.key);
        continue;
      }
      if (r.value === null) continue;
      const u = a.inWindow.get(writerOf(a.byId, r.key, r.value)?.call.id ?? -1);
      if (u === undefined) continue;
      add(u, t, 'wr', r.key);
      for (const w of writers) if (w !== u && after(u, w, r.key)) add(t, w, 'rw', r.key);
    }
  }
  // The recovered value's writer comes after every other applied writer of its key.
  for (const [key] of a.state) {
    const s = a.showsOf(key);
    if (s.kind !== 'write') continue;
    for (const u of nodes) if (u !== s.txn && u.writes.has(key) && a.visible(u).length > 0) add(u, s.txn, 'ww', key);
  }
  return out;
}

/** One cycle of the graph, if any (Tarjan's strongly connected components, then a path back within one). */
export function findCycle(graph: readonly { to: number }[][]): number[] | undefined {
  const n = graph.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const comp = new Array<number>(n).fill(-1);
  let next = 0;
  let comps = 0;
  let found: number | undefined;
  // Iterative Tarjan (no recursion limit on long chains).
  for (let root = 0; root < n && found === undefined; root++) {
    if (index[root] !== -1) continue;
    const work: { v: number; i: number }[] = [{ v: root, i: 0 }];
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const top = work[work.length - 1] as { v: number; i: number };
      const edges = graph[top.v] ?? [];
      if (top.i < edges.length) {
        const w = (edges[top.i++] as { to: number }).to;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = true;
          work.push({ v: w, i: 0 });
        } else if (onStack[w]) low[top.v] = Math.min(low[top.v] as number, index[w] as number);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low[parent.v] = Math.min(low[parent.v] as number, low[top.v] as number);
      if (low[top.v] !== index[top.v]) continue;
      const members: number[] = [];
      let w: number;
      do {
        w = stack.pop() as number;
        onStack[w] = false;
        comp[w] = comps;
        members.push(w);
      } while (w !== top.v);
      if (members.length > 1 && found === undefined) found = top.v;
      comps++;
    }
  }
  if (found === undefined) return undefined;
  // Breadth-first from `found` back to it, inside its component.
  const start = found;
  const prev = new Map<number, number>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift() as number;
    for (const { to } of graph[v] ?? []) {
      if (comp[to] !== comp[start]) continue;
      if (to === start) {
        const path = [v];
        for (let x = v; x !== start;) {
          x = prev.get(x) as number;
          path.push(x);
        }
        return path.reverse();
      }
      if (!prev.has(to) && to !== start) {
        prev.set(to, v);
        queue.push(to);
      }
    }
  }
  return undefined;
}

function checkSerialOf(a: Analysis): StoreViolation | undefined {
  const nodes = a.window.filter((t) => t.status === 'committed' || (t.status === 'unknown' && a.visible(t).length > 0));
  const graph = dependencyGraph(a, nodes);
  const cycle = findCycle(graph);
  if (cycle === undefined) return undefined;
  const steps = cycle.map((v, i) => {
    const to = cycle[(i + 1) % cycle.length] as number;
    const e = (graph[v] ?? []).find((x) => x.to === to) as Edge;
    return `${label(nodes[v] as Txn)} -${e.kind}${e.key === undefined ? '' : `(${e.key})`}-> ${label(nodes[to] as Txn)}`;
  });
  return {
    rule: 'order',
    epoch: a.view.epoch,
    message: `no serial order explains the reads: ${steps.join(', ')}`,
    evidence: { cycle: steps },
    recovered: a.recoveredLines(),
  };
}

// ---- rule 5: checkpoints change nothing visible ------------------------------------

/** A violation found after a power cut that came while checkpoint() ran is rule 5's, with the rule it broke as evidence. */
function duringCheckpoint(view: StoreRecoveryView, v: StoreViolation): StoreViolation {
  const inFlight = view.calls.find(
    (c) => c.kind === 'checkpoint' && c.outcome === 'pending' && c.epoch >= view.baseEpoch && c.epoch < view.epoch,
  );
  if (inFlight === undefined) return v;
  return {
    ...v,
    rule: 'checkpoint',
    message: `a power cut during checkpoint() (client ${inFlight.client}, epoch ${inFlight.epoch}) left a state the rules forbid: ${v.message}`,
    evidence: { ...v.evidence, brokenRule: v.rule, checkpoint: { id: inFlight.id, client: inFlight.client, epoch: inFlight.epoch } },
  };
}

// ---- the rules on one recovery ------------------------------------------------------

export function checkStoreAtomicity(view: StoreRecoveryView): StoreViolation | undefined {
  return checkAtomicityOf(new Analysis(view));
}
export function checkStoreDurability(view: StoreRecoveryView): StoreViolation | undefined {
  return checkDurabilityOf(new Analysis(view));
}
export function checkStoreAborted(view: StoreRecoveryView): StoreViolation | undefined {
  return checkAbortedOf(new Analysis(view));
}
export function checkStoreOrder(view: StoreRecoveryView): StoreViolation | undefined {
  const a = new Analysis(view);
  return (a.stateProblem?.rule === 'order' ? a.stateProblem : undefined) ?? checkReadsOf(a) ?? checkPrefixOf(a) ?? checkSerialOf(a);
}

/** Rules 1-5 on one recovery, in the contract's order (aborted before durability: an applied aborted write explains more); the first violation wins. */
export function checkStoreRecovery(view: StoreRecoveryView): StoreViolation | undefined {
  const a = new Analysis(view);
  const v =
    checkAtomicityOf(a) ??
    checkAbortedOf(a) ??
    checkDurabilityOf(a) ??
    (a.stateProblem?.rule === 'order' ? a.stateProblem : undefined) ??
    checkReadsOf(a) ??
    checkPrefixOf(a) ??
    checkSerialOf(a);
  return v === undefined ? undefined : duringCheckpoint(view, v);
}

/** What a recovery says about the window's transactions (for loss statistics). */
export function storeRecoveryStats(view: StoreRecoveryView): { atStake: number; lostAcknowledged: number; applied: number } {
  const a = new Analysis(view);
  const acked = a.window.filter((t) => t.acknowledged && t.writes.size > 0);
  return {
    atStake: acked.length,
    lostAcknowledged: acked.filter((t) => a.excludedBy(t) !== undefined).length,
    applied: a.applied().length,
  };
}

/** What each key of a recovered state shows, as the history's open call keeps it. */
export function describeRecoveredState(view: StoreRecoveryView): { key: string; shows: string }[] {
  const byId = new Map<number, TxnCall>();
  for (const c of view.calls) if (c.kind === 'transaction') byId.set(c.id, c);
  return view.state.map(([key, value]) => {
    const w = writerOf(byId, key, value);
    return { key, shows: w === undefined ? `garbage:${describeValue(value)}` : w.call.label };
  });
}

/** After an epoch's clients are done: a transaction() that resolved although its fn rejected broke the contract (rule 3). */
export function checkResolvedAborts(calls: readonly StoreCall[], epoch: number): StoreViolation | undefined {
  for (const c of calls) {
    if (c.kind !== 'transaction' || c.epoch !== epoch || c.outcome !== 'resolved' || c.fnRejected === undefined) continue;
    return {
      rule: 'aborted',
      epoch,
      message: `${c.label}: transaction() resolved although its fn rejected (${c.fnRejected.message})`,
      evidence: { transaction: c.label, fnError: c.fnRejected },
    };
  }
  return undefined;
}
