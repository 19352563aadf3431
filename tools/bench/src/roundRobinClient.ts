/** The load generator's client for several gateways (the cairn-pg2 target, gateways.ts). */
import { S3HttpClient, type Endpoint, type RequestOptions, type Response } from './client';

/**
 * Requests round robin over several gateways' endpoints (one keep-alive pool each). A subclass so
 * the workloads take it wherever they take an S3HttpClient; its own (base) agent stays unused.
 */
export class RoundRobinClient extends S3HttpClient {
  private readonly clients: S3HttpClient[];
  private next = 0;

  constructor(endpoints: Endpoint[], maxSockets: number) {
    super(endpoints[0], 1);
    this.clients = endpoints.map((e) => new S3HttpClient(e, maxSockets));
  }

  override request(o: RequestOptions): Promise<Response> {
    const c = this.clients[this.next];
    this.next = (this.next + 1) % this.clients.length;
    return c.request(o);
  }

  override close(): void {
    for (const c of this.clients) c.close();
    super.close();
  }
}
