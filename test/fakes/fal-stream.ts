// fal's status stream (GET …/requests/{id}/status/stream): server-sent events, each a `data:` line
// holding what a status poll would answer; the server closes the stream after COMPLETED
// (https://fal.ai/docs/inference-api/queue/status-stream). Here each queued position the job was
// scripted with is one IN_QUEUE event, then one IN_PROGRESS, then COMPLETED as soon as it is done.
import type http from 'node:http';

const STEP_MS = 5;

export async function streamStatus<S extends { status: string }>(res: http.ServerResponse, requestId: string, statusOf: () => S): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-fal-request-id': requestId });
  let closed = false;
  res.on('close', () => (closed = true));
  let last = '';
  while (!closed) {
    const status = statusOf();
    if (status.status !== 'IN_PROGRESS' || last !== 'IN_PROGRESS') res.write(`data: ${JSON.stringify(status)}\n\n`);
    last = status.status;
    if (status.status === 'COMPLETED') break;
    await new Promise((resolve) => setTimeout(resolve, STEP_MS));
  }
  res.end();
}
