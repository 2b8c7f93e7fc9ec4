/**
 * The IPC plumbing the real-disk SIGKILL tests share between a child and its
 * parent: a child's send that resolves once the message is handed to the
 * channel, and the parent's wait for a child to end with its channel drained.
 */
import type { ChildProcess } from 'node:child_process';

/**
 * Sends `message` to the parent and resolves once it (and so every message
 * sent before it) was handed to the channel: whatever the child does after
 * that, even a SIGKILL, the parent still reads the message.
 */
export function sendToParent(message: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) return reject(new Error('this child must run with an IPC channel (fork)'));
    process.send(message, (err: Error | null) => (err === null ? resolve() : reject(err)));
  });
}

/** Resolves once the child ended and its channel is drained ('close'), so none of its messages is still to come. */
export function closed(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
}
