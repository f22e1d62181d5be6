/**
 * A TCP proxy on 127.0.0.1 (a free port) in front of an upstream address, for fault tests:
 * put it between the custodian and its RPC endpoint and break the link on command.
 *
 *   const proxy = await startTcpProxy({ host: "127.0.0.1", port: 8545 });
 *   // custodian → http://127.0.0.1:${proxy.port}
 *   proxy.drop();     // destroys every open connection; new ones are accepted and reset at once
 *   proxy.stall();    // forwards nothing more: open connections hang, new ones are accepted and
 *                     // never answered (the worst case: the client waits for its own timeout)
 *   proxy.restore();  // ends the stalled connections and forwards again
 *   await proxy.close();
 *
 * Only loopback addresses: it listens on 127.0.0.1 and connects where it is told (tests pass
 * the local chain's address).
 */
import { createServer, connect, type Socket } from "node:net";

export type ProxyMode = "pass" | "drop" | "stall";

export interface TcpProxy {
  readonly port: number;
  readonly url: string; // http://127.0.0.1:<port>
  readonly mode: ProxyMode;
  /** Connections accepted so far (for tests asserting the client really came back). */
  readonly accepted: number;
  drop(): void;
  stall(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(upstream: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = "pass";
  let accepted = 0;
  const pairs = new Set<{ client: Socket; server?: Socket }>();
  const stalled = new Set<Socket>();

  const server = createServer((client) => {
    accepted++;
    client.on("error", () => undefined);
    if (mode === "drop") {
      client.resetAndDestroy();
      return;
    }
    if (mode === "stall") {
      // Accept, read and discard, never answer.
      stalled.add(client);
      client.on("data", () => undefined);
      client.on("close", () => stalled.delete(client));
      return;
    }
    const pair: { client: Socket; server?: Socket } = { client };
    pairs.add(pair);
    const up = connect(upstream.port, upstream.host);
    pair.server = up;
    up.on("error", () => client.destroy());
    client.on("error", () => up.destroy());
    const gone = () => {
      pairs.delete(pair);
      up.destroy();
      client.destroy();
    };
    up.on("close", gone);
    client.on("close", gone);
    // Forward chunk by chunk so that stall() can stop the flow mid-connection.
    client.on("data", (d: Buffer) => {
      if (mode === "pass") up.write(d);
    });
    up.on("data", (d: Buffer) => {
      if (mode === "pass") client.write(d);
    });
  });
  server.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  const destroyAll = () => {
    for (const p of [...pairs]) {
      p.client.resetAndDestroy();
      p.server?.destroy();
    }
    pairs.clear();
  };

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    drop() {
      mode = "drop";
      destroyAll();
    },
    stall() {
      // Open connections stay open but nothing crosses any more (see the data handlers).
      mode = "stall";
    },
    restore() {
      // Connections that were stalled are broken beyond repair (half-sent requests): end them.
      destroyAll();
      for (const s of [...stalled]) s.destroy();
      stalled.clear();
      mode = "pass";
    },
    async close() {
      destroyAll();
      for (const s of [...stalled]) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
