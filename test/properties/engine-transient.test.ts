/**
 * The built-in engine under transient I/O errors (the transient-error fault:
 * EAGAIN, EINTR, EBUSY on reads and writes, a write's prefix possibly in the
 * page cache first): at every durability level, with power cuts and with
 * every contract fault kind beside it, the oracle finds no duplicated,
 * reordered or lost record. The check plan's streaks (up to 3 failures) are
 * outlasted by the default retries; the last suite makes streaks long enough
 * to exhaust the retries and open the circuit breaker, and shows that it did.
 * And the teeth: the harness under transient-error catches a WAL whose retry
 * resumes where the file now ends (after the failed attempt's prefix), and
 * passes the same WAL retrying in place.
 *
 * Budget: FAULTLINE_RUNS runs per suite (default 60 here); FAULTLINE_SEED picks the seed.
 */
import { describe, expect, it } from 'vitest';
import { walPlugin, type Durability, type WalOptions } from '../../src/engine/index.js';
import { runScenario } from '../../src/harness/run.js';
import { CONTRACT_FAULT_KINDS, type FaultPlan } from '../../src/faults/types.js';
import { checkWal } from '../../src/harness/check.js';
import { errorCode } from '../../src/errors.js';
import type { WalEnv, WalPlugin } from '../../src/ports.js';
import { SimpleLog } from '../fixtures/wals/correct-simple.js';
import { expectNoViolation, LEVELS, suiteBudget } from './engine-suite.js';

const BUDGET = suiteBudget({ runs: 60, seed: 20261212 });
const TIMEOUT = BUDGET.timeoutMs;

/** Small segments so a run rotates them many times. */
function engine(durability: Durability): WalOptions {
  return { segmentSize: 64 * 1024, durability };
}

describe.each(LEVELS)('engine under transient errors, durability $name', ({ durability }) => {
  it(
    'breaks no rule under crash + transient-error',
    async () => {
      await expectNoViolation(engine(durability), ['crash', 'transient-error'], BUDGET);
    },
    TIMEOUT,
  );

  it(
    'breaks no rule under every contract kind + transient-error',
    async () => {
      await expectNoViolation(engine(durability), [...CONTRACT_FAULT_KINDS, 'transient-error'], { ...BUDGET, seed: BUDGET.seed + 1 });
    },
    TIMEOUT,
  );
});

describe("the check plan's transient errors are retried away", () => {
  it(
    'with the default retries no call rejects ETRANSIENT although faults fired; without retries (maxAttempts 1) calls do',
    async () => {
      const tally = async (options: WalOptions) => {
        let fired = 0;
        let transient = 0;
        for (let seed = 0; seed < 20; seed++) {
          const out = await runScenario(walPlugin(options), { seed: BUDGET.seed + seed, faults: ['crash', 'transient-error'] });
          expect(out.violation).toBeUndefined();
          for (const e of out.epochs) fired += e.faultsFired['transient-error'] ?? 0;
          transient += out.history.filter((c) => c.error?.code === 'ETRANSIENT').length;
        }
        return { fired, transient };
      };
      const retried = await tally(engine({ kind: 'groupCommit' }));
      expect(retried.fired).toBeGreaterThan(0);
      expect(retried.transient).toBe(0);
      const unretried = await tally({ ...engine({ kind: 'groupCommit' }), retry: { maxAttempts: 1 } });
      expect(unretried.fired).toBeGreaterThan(0);
      expect(unretried.transient).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});

describe('engine when transient errors outlast the retries', () => {
  // Streaks of up to 8 failures against 3 attempts, on 30% of the workload's reads and writes: many operations
  // give up (ETRANSIENT), and two in a row open the breaker (ECIRCUITOPEN until a probe succeeds 20 ms later).
  const plan: FaultPlan = {
    version: 1,
    faults: [{ kind: 'transient-error', burst: 8, trigger: { probability: 0.3, phase: 'workload' } }],
  };
  const options = (durability: Durability): WalOptions => ({
    ...engine(durability),
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 },
    breaker: { failureThreshold: 2, coolDownMs: 20 },
  });

  it.each(LEVELS.map((l) => [l.name, l.durability] as const))(
    '%s: no rule breaks, and appends are refused with ETRANSIENT and ECIRCUITOPEN along the way',
    async (_name, durability) => {
      const codes = new Map<string, number>();
      let acknowledged = 0;
      const runs = Math.max(20, Math.floor(BUDGET.runs / 2));
      for (let seed = 0; seed < runs; seed++) {
        const out = await runScenario(walPlugin(options(durability)), { seed: BUDGET.seed + seed, faults: ['crash'], faultPlan: plan });
        if (out.violation !== undefined) expect.fail(`seed ${BUDGET.seed + seed}: ${JSON.stringify(out.violation)}`);
        expect(out.ok).toBe(true);
        for (const e of out.epochs) acknowledged += e.acknowledged;
        for (const call of out.history) {
          const code = call.kind === 'append' ? call.error?.code : undefined;
          if (code !== undefined) codes.set(code, (codes.get(code) ?? 0) + 1);
        }
      }
      expect(acknowledged).toBeGreaterThan(0);
      expect(codes.get('ETRANSIENT') ?? 0).toBeGreaterThan(0);
      expect(codes.get('ECIRCUITOPEN') ?? 0).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});

const isTransient = (err: unknown): boolean => ['EAGAIN', 'EINTR', 'EBUSY'].includes(errorCode(err) ?? '');

/** Retries a transient write at its own position, a few times: what the engine does, in small. */
class RetryInPlace extends SimpleLog {
  protected override async writeFrame(frame: Uint8Array): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.handle.write(frame, this.end);
        break;
      } catch (err) {
        if (!isTransient(err) || attempt === 8) {
          await this.rollback();
          throw err;
        }
      }
    }
    this.end += frame.length;
  }
}

/** BUG: retries a transient write where the file ends now, so the failed attempt's prefix stays in the log before the frame. */
class RetryAtEnd extends SimpleLog {
  protected override async writeFrame(frame: Uint8Array): Promise<void> {
    try {
      await this.handle.write(frame, this.end);
    } catch (err) {
      if (!isTransient(err)) {
        await this.rollback();
        throw err;
      }
      await this.handle.write(frame, (await this.handle.stat()).size);
    }
    this.end += frame.length;
  }
}

const pluginOf = (name: string, open: (env: WalEnv) => Promise<SimpleLog>): WalPlugin => ({ name, durableAppend: true, open });

describe('teeth: a retry that is not idempotent is caught', () => {
  it(
    'retrying where the file ends (after a partial write) breaks a rule; retrying in place does not',
    async () => {
      const options = { runs: 100, seed: BUDGET.seed, faults: ['crash', 'transient-error'] as const };
      const bad = await checkWal(
        pluginOf('retry-at-end', (env) => RetryAtEnd.openLog(env)),
        { ...options, faults: [...options.faults] },
      );
      expect(bad.ok).toBe(false);
      expect(bad.failure?.violation.rule).toMatch(/durability|integrity|order|no-holes|recovery-works/);
      const good = await checkWal(
        pluginOf('retry-in-place', (env) => RetryInPlace.openLog(env)),
        { ...options, faults: [...options.faults] },
      );
      if (good.failure !== undefined) expect.fail(JSON.stringify(good.failure.violation));
      expect(good.ok).toBe(true);
    },
    TIMEOUT,
  );
});
