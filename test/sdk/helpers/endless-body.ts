/**
 * An answer that sends `first` (a blob's registered bytes) and then random bytes without end
 * (chunked, no length announced), honouring back-pressure, until the reader hangs up or `limit`
 * bytes went out: only a reader that stops at the registered size ends it. `sent()` counts what
 * the server managed to write.
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";

export function sendEndless(res: ServerResponse, first: Uint8Array, limit = 512 * 1024 * 1024): { sent: () => number; hungUp: () => boolean } {
  let sent = 0;
  let hungUp = false;
  res.writeHead(200, { "content-type": "application/octet-stream", "cache-control": "no-store" });
  res.on("close", () => {
    hungUp = true;
    res.destroy();
  });
  const more = () => {
    while (!res.destroyed && sent < limit) {
      const chunk = sent === 0 ? first : randomBytes(64 * 1024);
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", more);
    }
    res.end();
  };
  more();
  return { sent: () => sent, hungUp: () => hungUp };
}
