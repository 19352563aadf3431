/**
 * An error answered while the client is still sending the request body (an upload that failed
 * part-way: disk full, a write error, a bad chunk signature, EntityTooLarge while streaming).
 *
 * Left alone, Node stops reading a body a handler began to read, so a client that sends the
 * whole body before reading the answer (the AWS CLI / botocore, curl) blocks until a timeout; and
 * with `Connection: close` Node destroys the socket right after the answer, so such a client gets
 * a connection reset instead of the error. So, like nginx's lingering close: answer with
 * `Connection: close`, half-close the connection (FIN) once the answer is out so clients that
 * read concurrently (AWS SDKs) see it at once, keep reading and discarding the rest of the body
 * so clients that send first also get to read it, and close when the body ends or after
 * LINGER_MS at most.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export const LINGER_MS = 30_000;

/**
 * Call when an error response is about to be sent. Returns true (and sets `Connection: close`
 * on `res`) when the request body was being read and is not complete.
 */
export function lingerAfterError(req: IncomingMessage, res: ServerResponse, lingerMs = LINGER_MS): boolean {
  const socket = req.socket as (Socket & { destroySoon?: () => void }) | null;
  // Untouched bodies Node discards itself (keep-alive survives); finished ones need nothing.
  if (!socket || socket.destroyed || req.complete || req.destroyed || !req.readableDidRead) return false;
  res.setHeader('Connection', 'close');
  // Detach whoever was reading (pipes into auth decoders, an abandoned async iterator's
  // 'readable' listener, which would keep the stream paused), then discard what arrives.
  req.unpipe();
  req.removeAllListeners('data');
  req.removeAllListeners('readable');
  req.resume();
  process.nextTick(() => req.resume()); // after Node has noticed the 'readable' listeners are gone
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  // Node calls destroySoon() once a `Connection: close` response is out; linger instead.
  socket.destroySoon = () => {
    if (socket.writable) socket.end();
    if (req.complete) socket.destroy();
    else req.once('end', () => socket.destroy());
  };
  return true;
}
