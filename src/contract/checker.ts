/**
 * The checker: the plugin contract's rules (§4), one function per rule. Each
 * looks only at what the contract exposes (the history of calls and what an
 * open recovered) and returns undefined or a Violation naming the rule, with
 * the evidence. The same functions judge simulated, real-disk and SIGKILL runs.
 */
import type { RecoveredRecord } from '../ports.js';
import type { AppendCall, HistoryCall, TruncateCall, Violation } from './types.js';

/** A recovered record attributed to the append that wrote its bytes (appendId undefined: nobody did). */
export interface IdentifiedRecord {
  lsn: number;
  appendId?: number;
  label: string;
  size: number;
}

/** Equal byte strings have equal keys (exact for short ones; length plus the first 16 and last 8 bytes otherwise). */
function bucketKey(data: Uint8Array): string {
  const hex = (d: Uint8Array): string => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');
  return data.length <= 32 ? `s${hex(data)}` : `b${data.length}:${hex(data.subarray(0, 16))}:${hex(data.subarray(data.length - 8))}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
  );
}

/** Attributes recovered records to appends by their exact bytes (bucketed by a cheap key, then compared in full). */
export function identifyRecovered(recovered: readonly RecoveredRecord[], appends: readonly AppendCall[]): IdentifiedRecord[] {
  const byKey = new Map<string, AppendCall[]>();
  for (const a of appends) {
    const k = bucketKey(a.data);
    const list = byKey.get(k);
    if (list === undefined) byKey.set(k, [a]);
    else list.push(a);
  }
  return recovered.map((r, i) => {
    const data = r.data;
    const match = (byKey.get(bucketKey(data)) ?? []).find((a) => sameBytes(a.data, data));
    return match === undefined
      ? { lsn: r.lsn, label: `garbage#${i}(${data.length}B)`, size: data.length }
      : { lsn: r.lsn, appendId: match.id, label: match.label, size: data.length };
  });
}

/** Everything a recovery check needs: the history so far, and the previous and the new recovered sets. */
export interface RecoveryView {
  /** The epoch this open starts (the workload that just ended is epoch - 1). */
  epoch: number;
  calls: readonly HistoryCall[];
  durableAppend: boolean;
  /** What the previous successful open recovered (empty before the first). */
  previous: readonly IdentifiedRecord[];
  /** The epoch the previous successful open started. */
  previousEpoch: number;
  recovered: readonly IdentifiedRecord[];
  /** False once a fault that may destroy durable data (bitflip, lying-fsync, ...) has fired. */
  durabilityRequired: boolean;
}

function describe(r: { label: string; lsn?: number | undefined }): string {
  return r.lsn === undefined ? r.label : `${r.label}@${r.lsn}`;
}

function appendsById(calls: readonly HistoryCall[]): Map<number, AppendCall> {
  const m = new Map<number, AppendCall>();
  for (const c of calls) if (c.kind === 'append') m.set(c.id, c);
  return m;
}

/** Appends of the epochs since the previous open. */
function appendsSince(view: RecoveryView): AppendCall[] {
  return view.calls.filter((c): c is AppendCall => c.kind === 'append' && c.epoch >= view.previousEpoch && c.epoch < view.epoch);
}

/** Records with lsn below this may be discarded (the largest upTo of a truncatePrefix call made so far). */
export function releasedBelow(calls: readonly HistoryCall[], beforeEpoch: number): number {
  let upTo = 0;
  for (const c of calls) if (c.kind === 'truncatePrefix' && c.epoch < beforeEpoch) upTo = Math.max(upTo, (c as TruncateCall).upTo);
  return upTo;
}

/** Per epoch, the logical time of the latest call of sync() that resolved (a log's history or a store's). */
export function lastResolvedSyncCall(
  calls: readonly { kind: string; epoch: number; calledTick: number; outcome: string }[],
): Map<number, number> {
  const latest = new Map<number, number>();
  for (const c of calls) {
    if (c.kind !== 'sync' || c.outcome !== 'resolved') continue;
    latest.set(c.epoch, Math.max(latest.get(c.epoch) ?? -1, c.calledTick));
  }
  return latest;
}

function acknowledgedGiven(a: AppendCall, durableAppend: boolean, syncs: () => Map<number, number>): boolean {
  if (a.outcome !== 'resolved' || a.settledTick === undefined) return false;
  if (durableAppend) return true;
  return (syncs().get(a.epoch) ?? -1) > a.settledTick;
}

/** Memoises the per-epoch sync table for one pass over many appends. */
function syncTable(calls: readonly HistoryCall[]): () => Map<number, number> {
  let table: Map<number, number> | undefined;
  return () => (table ??= lastResolvedSyncCall(calls));
}

/** The contract's "acknowledged": resolved while durableAppend, or resolved before a call of sync() that resolved. */
export function isAcknowledged(a: AppendCall, calls: readonly HistoryCall[], durableAppend: boolean): boolean {
  return acknowledgedGiven(a, durableAppend, syncTable(calls));
}

/** The acknowledged appends among `appends` (one pass over the history, not one per append). */
export function acknowledgedAppends(appends: readonly AppendCall[], calls: readonly HistoryCall[], durableAppend: boolean): AppendCall[] {
  const syncs = syncTable(calls);
  return appends.filter((a) => acknowledgedGiven(a, durableAppend, syncs));
}

interface LiveRecord {
  appendId: number;
  label: string;
  lsn: number;
  acknowledged: boolean;
}

/** What the log held just before this recovery, by the contract: the previous recovered set plus what was appended since. */
export function liveRecords(view: RecoveryView): LiveRecord[] {
  const out = new Map<number, LiveRecord>();
  for (const r of view.previous)
    if (r.appendId !== undefined) out.set(r.appendId, { appendId: r.appendId, label: r.label, lsn: r.lsn, acknowledged: true });
  const syncs = syncTable(view.calls);
  for (const a of appendsSince(view)) {
    if (a.outcome !== 'resolved' || a.lsn === undefined || out.has(a.id)) continue;
    out.set(a.id, { appendId: a.id, label: a.label, lsn: a.lsn, acknowledged: acknowledgedGiven(a, view.durableAppend, syncs) });
  }
  return [...out.values()].sort((x, y) => x.lsn - y.lsn);
}

function recoveredLabels(view: RecoveryView): string[] {
  return view.recovered.map(describe);
}

// ---- rule 1: integrity ----------------------------------------------------------

export function checkIntegrity(view: RecoveryView): Violation | undefined {
  const byId = appendsById(view.calls);
  const previousLsn = new Map<number, number>();
  for (const r of view.previous) if (r.appendId !== undefined) previousLsn.set(r.appendId, r.lsn);
  const seen = new Map<number, number>();
  for (let i = 0; i < view.recovered.length; i++) {
    const r = view.recovered[i] as IdentifiedRecord;
    if (r.appendId === undefined) {
      return {
        rule: 'integrity',
        epoch: view.epoch,
        message: `recovered record ${i} (lsn ${r.lsn}, ${r.size} bytes) is not the data of any append`,
        evidence: { position: i, lsn: r.lsn, size: r.size },
        recovered: recoveredLabels(view),
      };
    }
    const first = seen.get(r.appendId);
    if (first !== undefined) {
      return {
        rule: 'integrity',
        epoch: view.epoch,
        message: `append ${r.label} was recovered twice (positions ${first} and ${i})`,
        evidence: { label: r.label, positions: [first, i], lsns: [view.recovered[first]?.lsn, r.lsn] },
        recovered: recoveredLabels(view),
      };
    }
    seen.set(r.appendId, i);
    const a = byId.get(r.appendId);
    const known = a?.lsn ?? previousLsn.get(r.appendId);
    if (known !== undefined && known !== r.lsn) {
      return {
        rule: 'integrity',
        epoch: view.epoch,
        message: `append ${r.label} was given lsn ${known} but was recovered with lsn ${r.lsn}`,
        evidence: { label: r.label, knownLsn: known, recoveredLsn: r.lsn, position: i },
        recovered: recoveredLabels(view),
      };
    }
  }
  return undefined;
}

// ---- rule 2: durability ---------------------------------------------------------

export function checkDurability(view: RecoveryView): Violation | undefined {
  if (!view.durabilityRequired) return undefined;
  const released = releasedBelow(view.calls, view.epoch);
  const got = new Set(view.recovered.map((r) => r.appendId));
  const expected = liveRecords(view).filter((r) => r.acknowledged && r.lsn >= released);
  const missing = expected.filter((r) => !got.has(r.appendId));
  if (missing.length === 0) return undefined;
  return {
    rule: 'durability',
    epoch: view.epoch,
    message: `${missing.length} acknowledged record(s) not recovered: ${missing.slice(0, 5).map(describe).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
    evidence: { missing: missing.map(describe), releasedBelow: released },
    expected: expected.map(describe),
    recovered: recoveredLabels(view),
  };
}

// ---- rule 3: order --------------------------------------------------------------

export function checkOrder(view: RecoveryView): Violation | undefined {
  for (let i = 1; i < view.recovered.length; i++) {
    const a = view.recovered[i - 1] as IdentifiedRecord;
    const b = view.recovered[i] as IdentifiedRecord;
    if (!(b.lsn > a.lsn)) {
      return {
        rule: 'order',
        epoch: view.epoch,
        message: `recovered LSNs do not strictly increase: ${describe(a)} then ${describe(b)}`,
        evidence: { position: i, previous: describe(a), next: describe(b) },
        recovered: recoveredLabels(view),
      };
    }
  }
  // Real-time order: no record may be recovered after one whose append
  // resolved before it was called. Walking from the end, keep the earliest
  // settlement among the records recovered after position j (linear, not a
  // comparison of every pair).
  const byId = appendsById(view.calls);
  const calls = view.recovered.map((r) => (r.appendId === undefined ? undefined : byId.get(r.appendId)));
  let earliest: { settled: number; position: number } | undefined;
  for (let j = calls.length - 1; j >= 0; j--) {
    const later = calls[j];
    if (later !== undefined && earliest !== undefined && earliest.settled < later.calledTick) {
      const earlier = calls[earliest.position] as AppendCall;
      return {
        rule: 'order',
        epoch: view.epoch,
        message: `${earlier.label} resolved before ${later.label} was called, yet was recovered after it`,
        evidence: {
          first: describe(view.recovered[j] as IdentifiedRecord),
          second: describe(view.recovered[earliest.position] as IdentifiedRecord),
        },
        recovered: recoveredLabels(view),
      };
    }
    if (
      later?.outcome === 'resolved' &&
      later.settledTick !== undefined &&
      (earliest === undefined || later.settledTick < earliest.settled)
    ) {
      earliest = { settled: later.settledTick, position: j };
    }
  }
  return undefined;
}

/** Rule 3 on the LSNs a live log hands out: if A resolved before B was called, lsn(A) < lsn(B). */
export function checkResolvedOrder(calls: readonly HistoryCall[], epoch: number): Violation | undefined {
  const resolved = calls.filter(
    (c): c is AppendCall => c.kind === 'append' && c.epoch === epoch && c.outcome === 'resolved' && c.lsn !== undefined,
  );
  // Sweep the calls in call order; bring in every append that settled before
  // the current call, keeping the one with the largest LSN (n log n).
  const bySettled = [...resolved].sort((x, y) => (x.settledTick as number) - (y.settledTick as number));
  const byCalled = [...resolved].sort((x, y) => x.calledTick - y.calledTick);
  let next = 0;
  let top: AppendCall | undefined;
  for (const b of byCalled) {
    while (next < bySettled.length && ((bySettled[next] as AppendCall).settledTick as number) < b.calledTick) {
      const a = bySettled[next] as AppendCall;
      if (top === undefined || (a.lsn as number) > (top.lsn as number)) top = a;
      next++;
    }
    if (top !== undefined && top !== b && !((top.lsn as number) < (b.lsn as number))) {
      return {
        rule: 'order',
        epoch,
        message: `${top.label} resolved with lsn ${top.lsn} before ${b.label} was called, which got lsn ${b.lsn}`,
        evidence: { first: describe(top), second: describe(b) },
      };
    }
  }
  return undefined;
}

// ---- rule 4: no holes -----------------------------------------------------------

export function checkNoHoles(view: RecoveryView): Violation | undefined {
  const released = releasedBelow(view.calls, view.epoch);
  const got = new Set(view.recovered.map((r) => r.appendId));
  let maxLsn = -Infinity;
  for (const r of view.recovered) maxLsn = Math.max(maxLsn, r.lsn);
  for (const a of liveRecords(view)) {
    if (a.lsn >= maxLsn || a.lsn < released || got.has(a.appendId)) continue;
    const after = view.recovered
      .filter((r) => r.lsn > a.lsn)
      .reduce((m, r) => (m === undefined || r.lsn < m.lsn ? r : m), undefined as IdentifiedRecord | undefined);
    return {
      rule: 'no-holes',
      epoch: view.epoch,
      message: `${describe(a)} is missing although ${after === undefined ? 'a later record' : describe(after)} was recovered`,
      evidence: { missing: describe(a), laterRecovered: after === undefined ? undefined : describe(after), releasedBelow: released },
      expected: liveRecords(view)
        .filter((r) => r.lsn >= released && r.lsn <= maxLsn)
        .map(describe),
      recovered: recoveredLabels(view),
    };
  }
  return undefined;
}

// ---- rule 5: recovery works -----------------------------------------------------

/** `allowedBy` names the fault that lets open reject (read-error during it, bitflip, lying-fsync), or undefined. */
export function checkRecoveryWorks(
  epoch: number,
  error: { code?: string; message: string },
  allowedBy: string | undefined,
): Violation | undefined {
  if (allowedBy !== undefined) return undefined;
  return {
    rule: 'recovery-works',
    epoch,
    message: `open rejected: ${error.code === undefined ? '' : `${error.code}: `}${error.message}`,
    evidence: { error },
  };
}

// ---- rule 6: LSNs go on ---------------------------------------------------------

export function checkLsnsGoOn(calls: readonly HistoryCall[], epoch: number, recoveredMaxLsn: number): Violation | undefined {
  for (const c of calls) {
    if (c.kind !== 'append' || c.epoch !== epoch || c.outcome !== 'resolved') continue;
    const lsn = c.lsn;
    if (lsn === undefined || !Number.isSafeInteger(lsn) || lsn <= 0) {
      return {
        rule: 'lsns-go-on',
        epoch,
        message: `${c.label} resolved with ${String(lsn)}, not a positive safe integer LSN`,
        evidence: { label: c.label, lsn },
      };
    }
    if (lsn <= recoveredMaxLsn) {
      return {
        rule: 'lsns-go-on',
        epoch,
        message: `${c.label} got lsn ${lsn} after recovery, not above the largest recovered lsn ${recoveredMaxLsn}`,
        evidence: { label: c.label, lsn, recoveredMaxLsn },
      };
    }
  }
  return undefined;
}

// ---- rule 7: liveness -----------------------------------------------------------

/** What liveness says of a call that did not settle (a log's call or a store's). */
export interface UnsettledCall {
  id: number;
  kind: string;
  client: number;
  calledAt: number;
  label?: string;
}

/** `unsettled`: calls still pending when the bound ran out (or the simulation could not progress). */
export function checkLiveness(epoch: number, unsettled: readonly UnsettledCall[], boundMs: number, reason: string): Violation | undefined {
  if (unsettled.length === 0 && reason === '') return undefined;
  const why = reason === '' ? '' : ` (${reason})`;
  // No call pending, yet the phase did not end: say so rather than "0 call(s) did not settle".
  const message =
    unsettled.length === 0
      ? `the run did not go on within ${boundMs} ms of virtual time${why}, although no call was pending`
      : `${unsettled.length} call(s) did not settle within ${boundMs} ms of virtual time${why}: ${unsettled
          .slice(0, 5)
          .map((c) => (c.label !== undefined ? `${c.kind} ${c.label}` : `${c.kind}${c.client >= 0 ? ` by client ${c.client}` : ''}`))
          .join(', ')}`;
  return {
    rule: 'liveness',
    epoch,
    message,
    evidence: { unsettled: unsettled.map((c) => ({ id: c.id, kind: c.kind, client: c.client, calledAt: c.calledAt })), boundMs, reason },
  };
}

/** Every rule that judges one recovery, in the contract's order; the first violation wins. */
export function checkRecovery(view: RecoveryView): Violation | undefined {
  return checkIntegrity(view) ?? checkOrder(view) ?? checkNoHoles(view) ?? checkDurability(view);
}
