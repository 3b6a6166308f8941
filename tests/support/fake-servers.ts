import * as http from "http";
import * as net from "net";

/**
 * Stand-ins for our containers' servers, on the fixed 127.0.0.1 ports the health-check commands target.
 *
 * A port that another process holds fails the test with a message naming it, instead of letting the
 * health check talk to whatever happens to listen there.
 */

export const HOST = "127.0.0.1";

export interface FakeServer {
  /** Request targets (`/health`) the server received, in order; empty for a TCP listener. */
  readonly requests: string[];
  /** Connections accepted. */
  connections(): number;
  close(): Promise<void>;
}

/** What a fake HTTP server answers on its one path (any other path gets 404). */
export interface HttpAnswer {
  path: string;
  status: number;
  body: string;
  /** @default "application/json" */
  contentType?: string;
}

function portInUse(port: number, cause: Error): Error {
  return new Error(
    `${HOST}:${port} is already in use by another process (${cause.message}); the health-check tests need it free, ` +
      `because the commands they run target the containers' fixed ports`,
  );
}

function listen(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" || error.code === "EACCES" ? portInUse(port, error) : error);
    };
    server.once("error", onError);
    server.listen(port, HOST, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function tracked(server: net.Server, requests: string[]): FakeServer {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  server.on("connection", (socket: net.Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return {
    requests,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** An HTTP server that answers `answer` on `answer.path` and 404 elsewhere. */
export async function startHttpServer(port: number, answer: HttpAnswer): Promise<FakeServer> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(request.url ?? "");
    const [status, body] = request.url === answer.path ? [answer.status, answer.body] : [404, "not found"];
    response.writeHead(status, {
      "Content-Type": request.url === answer.path ? (answer.contentType ?? "application/json") : "text/plain",
      Connection: "close",
    });
    response.end(body);
  });
  const fake = tracked(server, requests);
  await listen(server, port);
  return fake;
}

/** A TCP listener that accepts connections and says nothing (what a TCP-connect check needs). */
export async function startTcpListener(port: number): Promise<FakeServer> {
  const server = net.createServer((socket) => socket.on("error", () => undefined));
  const fake = tracked(server, []);
  await listen(server, port);
  return fake;
}

/** Fails with a clear message when something listens on the port, so "nothing listening" really is nothing. */
export async function assertNothingListens(port: number): Promise<void> {
  const probe = net.createServer();
  await listen(probe, port);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
