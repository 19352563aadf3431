/**
 * `Expect: 100-continue`, answered lazily: the server registers such requests here (Node's
 * 'checkContinue' event) and `100 Continue` is written only when a handler starts reading the
 * body. A request refused before that (bad signature, missing bucket, 501, ...) gets its final
 * status without the client ever sending the body, and the connection is then closed, since
 * the unread body can no longer be told apart from the next request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const pending = new WeakMap<IncomingMessage, ServerResponse>();

export function expectContinue(req: IncomingMessage, res: ServerResponse): void {
  pending.set(req, res);
}

/** Tell the client to send the body (no-op unless it is waiting for 100 Continue). */
export function sendContinue(req: IncomingMessage): void {
  const res = pending.get(req);
  if (!res) return;
  pending.delete(req);
  if (!res.headersSent && !res.writableEnded) res.writeContinue();
}

/** True while the client still waits for 100 Continue (its body was never invited). */
export function awaitingContinue(req: IncomingMessage): boolean {
  return pending.has(req);
}
