/**
 * Test support: a scripted HTTP server on 127.0.0.1 with a free port, standing in for CloudFormation's
 * pre-signed response URL or an AWS endpoint. It records every request and answers each one as
 * `answer` says, or never (`hang`), to test timeouts.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** A request as the server received it. */
export interface StubRequest {
  readonly method: string;
  /** Path and query, e.g. `/bucket?versions`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** How to answer one request. */
export interface StubAnswer {
  /** @default 200 */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** @default '' */
  readonly body?: string;
  /** Never answer (the connection is closed when the server stops). */
  readonly hang?: boolean;
}

/** A running stub server. */
export interface StubServer {
  /** e.g. `http://127.0.0.1:54321` */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: StubRequest[];
  /** Stops the server, closing hung connections. */
  stop(): Promise<void>;
}

/** Starts a server that answers request `n` (0-based) with `answer(request, n)`. */
export async function startStubServer(answer: (request: StubRequest, index: number) => StubAnswer): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request: StubRequest = {
        method: incoming.method ?? '',
        url: incoming.url ?? '',
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(request);
      const { status = 200, headers = {}, body = '', hang = false } = answer(request, requests.length - 1);
      if (hang) return;
      response.writeHead(status, headers);
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Registers an `afterEach` in the calling block that stops every server started through the
 * returned function during the test.
 */
export function useStubServers(): (answer: (request: StubRequest, index: number) => StubAnswer) => Promise<StubServer> {
  const running: StubServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });
  return async (answer) => {
    const server = await startStubServer(answer);
    running.push(server);
    return server;
  };
}

/** S3's answer to ListObjectVersions on an empty bucket. */
export const EMPTY_VERSION_LISTING =
  '<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><IsTruncated>false</IsTruncated></ListVersionsResult>';

/** The XML body S3 answers an error with (`AccessDenied`, `NoSuchBucket`, ...). */
export function s3ErrorXml(code: string, message = code): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>stub</RequestId></Error>`;
}

/** Client configuration pointing an SDK client at a stub server (static credentials, no real AWS). */
export function stubClientConfig(url: string) {
  return {
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'stub', secretAccessKey: 'stub' },
  } as const;
}
