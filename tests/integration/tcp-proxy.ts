import net from "node:net";

/**
 * A TCP proxy on loopback between the app and PostgreSQL, so a test can really cut the
 * database connection: `cut` resets every open connection and refuses new ones (the
 * listener is closed, so connects get ECONNREFUSED) until `restore`.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  /** Connections accepted so far, to check the app really went through the proxy. */
  accepted = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens on `port` (a free one when 0) on 127.0.0.1; resolves with the port. */
  async listen(port = this.port): Promise<number> {
    const server = net.createServer((client) => {
      this.accepted++;
      const upstream = net.connect(this.target.port, this.target.host);
      this.sockets.add(client);
      this.sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Resets every open connection and stops listening: the database is gone. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    // resetAndDestroy sends RST, as a crashed server or a dropped network would.
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port: the database is back. */
  async restore(): Promise<void> {
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.cut();
  }

  /** Open connections through the proxy right now (both sides counted once). */
  get openConnections(): number {
    return this.sockets.size / 2;
  }
}
