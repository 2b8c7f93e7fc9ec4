/**
 * History: what each client called, when (one logical tick counter for the
 * whole run plus virtual time), and how it settled. After a power cut the
 * epoch is frozen: answers a dead process gives later never reached anyone,
 * so those calls stay 'pending' (outcome unknown).
 */
import { errorCode, WalError } from '../errors.js';
import type { AppendCall, CallOutcome, HistoryCall, OpenCall, SyncCall, TruncateCall, CloseCall } from './types.js';

/** An error as a history keeps it: its code (when it has one) and message. */
export function errorSummary(err: unknown): { code?: string; message: string } {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code === undefined ? { message } : { code, message };
}

/** The fields every recorded call has (a log's calls and a store's alike). */
export interface RecordedCall {
  id: number;
  epoch: number;
  client: number;
  kind: string;
  calledTick: number;
  settledTick?: number;
  calledAt: number;
  settledAt?: number;
  calledTraceSeq?: number;
  settledTraceSeq?: number;
  outcome: CallOutcome;
  error?: { code?: string; message: string };
}

type NewOf<C extends RecordedCall> = Omit<C, 'id' | 'calledTick' | 'calledAt' | 'outcome' | 'settledTick' | 'settledAt' | 'error'>;

/**
 * The recording every history shares: one tick counter, calls in call order,
 * settlements, and frozen epochs. History (a log's calls) and StoreHistory
 * (src/contract/store-history.ts, a store's) add their kinds of call.
 */
export class CallRecorder<C extends RecordedCall> {
  readonly calls: C[] = [];
  private tick = 0;
  private readonly frozen = new Set<number>();

  /**
   * `traceSeq`, when given, tells how many trace events were recorded so far;
   * each call then notes where it falls among them, so a report can interleave
   * client calls with filesystem events in causal order at equal virtual times.
   */
  constructor(
    private readonly now: () => number,
    private readonly maxCalls = 1_000_000,
    private readonly traceSeq?: () => number,
  ) {}

  protected begin<K extends C>(fields: NewOf<K>): K {
    if (this.calls.length >= this.maxCalls) throw new WalError('ESIM', `history bound exceeded (${this.maxCalls} calls)`);
    const call = { ...fields, id: this.calls.length, calledTick: this.tick++, calledAt: this.now(), outcome: 'pending' } as unknown as K;
    if (this.traceSeq !== undefined) call.calledTraceSeq = this.traceSeq();
    this.calls.push(call);
    return call;
  }

  /** The process of this epoch died: later settlements are not observed. */
  freeze(epoch: number): void {
    this.frozen.add(epoch);
  }

  isFrozen(epoch: number): boolean {
    return this.frozen.has(epoch);
  }

  /** Marks a call settled; false when its epoch was frozen or it settled before. */
  protected settle(call: C, outcome: 'resolved' | 'rejected'): boolean {
    if (this.frozen.has(call.epoch) || call.outcome !== 'pending') return false;
    call.outcome = outcome;
    call.settledTick = this.tick++;
    call.settledAt = this.now();
    if (this.traceSeq !== undefined) call.settledTraceSeq = this.traceSeq();
    return true;
  }

  /** Records a resolution; false when the epoch was frozen (the result is ignored). */
  resolve(call: C, lsn?: number): boolean {
    if (!this.settle(call, 'resolved')) return false;
    this.noteResult(call, lsn);
    return true;
  }

  /** What a resolution's value says about the call (a log's append notes its LSN). */
  protected noteResult(_call: C, _lsn: number | undefined): void {}

  reject(call: C, err: unknown): boolean {
    if (!this.settle(call, 'rejected')) return false;
    call.error = errorSummary(err);
    return true;
  }

  /** Runs `fn` as the call's body: a synchronous throw counts as a rejection. */
  async track<T>(
    call: C,
    fn: () => Promise<T>,
    lsnOf?: (value: T) => number | undefined,
  ): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    try {
      const value = await fn();
      this.resolve(call, lsnOf?.(value));
      return { ok: true, value };
    } catch (error) {
      this.reject(call, error);
      return { ok: false, error };
    }
  }

  ofEpoch(epoch: number): C[] {
    return this.calls.filter((c) => c.epoch === epoch);
  }
}

export class History extends CallRecorder<HistoryCall> {
  protected override noteResult(call: HistoryCall, lsn: number | undefined): void {
    if (call.kind === 'append' && lsn !== undefined) call.lsn = lsn;
  }

  append(epoch: number, client: number, data: Uint8Array, label: string): AppendCall {
    return this.begin<AppendCall>({ kind: 'append', epoch, client, data, label });
  }
  sync(epoch: number, client: number): SyncCall {
    return this.begin<SyncCall>({ kind: 'sync', epoch, client });
  }
  truncatePrefix(epoch: number, client: number, upTo: number): TruncateCall {
    return this.begin<TruncateCall>({ kind: 'truncatePrefix', epoch, client, upTo });
  }
  open(epoch: number): OpenCall {
    return this.begin<OpenCall>({ kind: 'open', epoch, client: -1 });
  }
  close(epoch: number): CloseCall {
    return this.begin<CloseCall>({ kind: 'close', epoch, client: -1 });
  }

  appends(epoch?: number): AppendCall[] {
    return this.calls.filter((c): c is AppendCall => c.kind === 'append' && (epoch === undefined || c.epoch === epoch));
  }
}

/** The history as JSON-able data: payload bytes become their length. */
export function historyToJson(calls: readonly HistoryCall[]): Record<string, unknown>[] {
  return calls.map((c) => {
    if (c.kind !== 'append') return { ...c };
    const { data, ...rest } = c;
    return { ...rest, size: data.length };
  });
}
