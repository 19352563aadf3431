/**
 * One server per suite: `useTestServer` registers the beforeAll that starts it, makes the root
 * client and creates `buckets`, and the afterAll that stops it; `bind` hands the server and the
 * client to the suite's own variables.
 */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ServerOptions } from '../../src/server';
import { startTestServer, type TestServer } from './server';

export interface SuiteServer {
  ts: TestServer;
  s3: S3Client;
}

export function useTestServer(bind: (env: SuiteServer) => void, opts: Partial<ServerOptions> & { buckets?: string[] } = {}): void {
  let ts: TestServer | undefined;
  beforeAll(async () => {
    const { buckets = [], ...serverOpts } = opts;
    ts = await startTestServer(serverOpts);
    const s3 = ts.client();
    for (const Bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket }));
    bind({ ts, s3 });
  });
  afterAll(async () => ts?.stop());
}
