/**
 * The health-check commands ECS runs inside our containers (`CMD-SHELL`, i.e. `/bin/sh -c`).
 *
 * Each uses only a tool its image ships: `node` in the gateway image (node base image), `bash` and `timeout` in
 * ChromaDB's image (Debian essential packages bash and coreutils), `python` in the security stack image (python
 * base image), busybox `wget` in the console's nginx Alpine image. The gateway's and the management plane's `/health`
 * answer 200 even when unhealthy, so their checks read the body's `status`.
 */

/** ECS's form of a shell health check. */
export type HealthCheckCommand = ["CMD-SHELL", string];

/** A health check as the builders return it: the command ECS runs, and what it checks in words (for the plan). */
export interface HealthCheckProbe {
  command: HealthCheckCommand;
  /** @example "`node` GET :3000/health, body status = healthy" */
  summary: string;
}

const shell = (script: string, summary: string): HealthCheckProbe => ({ command: ["CMD-SHELL", script], summary });

/** MCP Gateway: healthy only on a 2xx whose body says so (it reports ChromaDB's state there). */
export function gatewayHealthCheck(port: number): HealthCheckProbe {
  return shell(
    `node -e "fetch('http://127.0.0.1:${port}/health',{signal:AbortSignal.timeout(4000)})` +
      `.then(r=>r.ok?r.json():{}).then(b=>process.exit(b&&b.status==='healthy'?0:1)).catch(()=>process.exit(1))"`,
    `\`node\` GET :${port}/health, body status = healthy`,
  );
}

/**
 * ChromaDB's heartbeat (API v2 in Chroma 1.x): healthy on a 200 status line. chromadb/chroma 1.x is built on
 * debian:stable-slim with dumb-init, libssl-dev and ca-certificates only, so it has no curl, wget or python
 * (the seed's curl check never passes there); bash's /dev/tcp sends the request instead. `/bin/sh` is dash, so
 * the request runs in bash.
 */
export function chromaHealthCheck(port: number): HealthCheckProbe {
  return shell(
    `timeout 4 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} ` +
      `&& printf "GET /api/v2/heartbeat HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n" >&3 ` +
      `&& read -r status <&3 && case $status in "HTTP/1."?" 200"[[:space:]]*) exit 0;; esac; exit 1'`,
    `\`bash\` GET :${port}/api/v2/heartbeat over /dev/tcp, status 200`,
  );
}

/** Data plane (gRPC): a TCP connect, since the image has no gRPC health client. */
export function tcpHealthCheck(port: number): HealthCheckProbe {
  return shell(`python -c "import socket; socket.create_connection(('127.0.0.1', ${port}), 3).close()"`, `\`python\` TCP connect :${port}`);
}

/** Management plane: 200 alone proves nothing here; the body's status must be "healthy". */
export function bodyStatusHealthCheck(port: number, path = "/health"): HealthCheckProbe {
  return shell(
    `python -c "import json,sys,urllib.request; ` +
      `b=json.load(urllib.request.urlopen('http://127.0.0.1:${port}${path}', timeout=4)); ` +
      `sys.exit(0 if isinstance(b, dict) and b.get('status') == 'healthy' else 1)"`,
    `\`python\` GET :${port}${path}, body status = healthy`,
  );
}

/** Control plane: its /health answers 503 when unhealthy, so the status code is enough (urlopen raises). */
export function statusCodeHealthCheck(port: number, path = "/health"): HealthCheckProbe {
  return shell(`python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${port}${path}', timeout=4)"`, `\`python\` GET :${port}${path}`);
}

/** The console's nginx `/health` (busybox wget exits non-zero on any non-2xx). */
export function wgetHealthCheck(port: number, path = "/health"): HealthCheckProbe {
  return shell(`wget -q -T 4 -O /dev/null http://127.0.0.1:${port}${path}`, `\`wget\` GET :${port}${path}`);
}
