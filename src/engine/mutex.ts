/**
 * A promise-chain mutex: runs functions one at a time in call order. The
 * writer runs every file operation on the active segment and the chain
 * under one, since await order is the only order the simulator guarantees.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined, // the caller gets the rejection through `result`
    );
    return result;
  }
}
