/**
 * Campaign progress: a cli-progress bar on a terminal, plain lines otherwise
 * (CI logs): one line per failure, and one line at each tenth of the runs.
 */
import cliProgress from 'cli-progress';
import type { CampaignRunResult } from './campaign-types.js';

export interface ProgressSink {
  update(result: CampaignRunResult, done: number, total: number): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream, total: number, label: string): ProgressSink {
  let failed = 0;
  const failureLine = (r: CampaignRunResult): string =>
    r.status === 'failed'
      ? `run ${r.run} seed ${r.seed}: ${r.rule}: ${r.message ?? ''}`
      : `run ${r.run} seed ${r.seed}: error: ${r.error?.message.split('\n')[0] ?? ''}`;
  if (stream.isTTY === true) {
    const bars = new cliProgress.MultiBar(
      {
        format: `${label} [{bar}] {value}/{total} runs | {failed} failed | {eta_formatted} left`,
        stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    const bar = bars.create(total, 0, { failed });
    return {
      update(r, done) {
        if (r.status !== 'passed') {
          failed++;
          bars.log(`${failureLine(r)}\n`);
        }
        bar.update(done, { failed });
      },
      stop: () => bars.stop(),
    };
  }
  const step = Math.max(1, Math.ceil(total / 10));
  stream.write(`${label}: ${total} runs\n`);
  return {
    update(r, done, all) {
      if (r.status !== 'passed') {
        failed++;
        stream.write(`${label}: ${failureLine(r)}\n`);
      }
      if (done % step === 0 || done === all) stream.write(`${label}: ${done}/${all} runs, ${failed} failed\n`);
    },
    stop() {},
  };
}
