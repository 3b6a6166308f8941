# MCP Gateway: the TypeScript HTTP server from mcp-gateway/, run as `node dist/http-server.js` on 3000.
#
# Build context: the app repo root. Every COPY source below is relative to it, so nothing reaches
# outside the context; gateway.Dockerfile.dockerignore (beside this file) limits what is sent.

# One Node for both stages: native addons compiled by `npm ci` must run on the same Node ABI.
FROM node:24.19.0-bookworm-slim AS node-base

FROM node-base AS build
WORKDIR /build
# Sources before `npm ci`: a `prepare` script (common in MCP servers) builds during the install.
# Only what the compiler needs is copied, so tenants/ (tenants.json holds API keys), .env and
# workspace/ cannot reach the image even if the ignore file is not applied.
COPY mcp-gateway/package.json mcp-gateway/package-lock.json mcp-gateway/tsconfig.json ./
COPY mcp-gateway/src/ ./src/
# Every dependency, dev ones included: the TypeScript compiler is a devDependency.
RUN npm ci
RUN npm run build
# Drop the dev dependencies only after the build has used them.
RUN npm prune --omit=dev

FROM node-base AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the server: it needs to write only tenants/ and workspace/.
COPY --from=build /build/package.json /build/package-lock.json ./
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
# The single writer's entrypoint and snapshot tool (dockerfiles/writer/, read through the `infra` named context):
# the server starts only once its task holds the volume's writer lock, and takes the nightly consistent copy.
COPY --from=infra --chmod=0755 writer/writer-lock writer/state-snapshot /usr/local/bin/
# tenants/, workspace/ and the writer directory are EFS mounts in ECS whose access points own them as uid/gid
# 1000; the same ownership here keeps the image runnable without a mount (locally, in tests).
RUN mkdir -p /app/tenants /app/workspace /var/lib/writer \
 && chown 1000:1000 /app/tenants /app/workspace /var/lib/writer
# uid/gid 1000 is the base image's `node` user and the owner the EFS access points enforce.
USER 1000:1000
# The task runs this image with a read-only root file system and an empty task volume at /tmp, the one path
# the server may write outside its EFS mounts. Fargate fills a task volume with what the image has at a VOLUME
# of the same path (bind-mount considerations in the ECS guide), the base image's /tmp (root, 1777), so uid
# 1000 can write it; a bind mount without one is root's 0755 directory.
VOLUME ["/tmp"]
EXPOSE 3000
# No HEALTHCHECK and no curl: the ECS task definition's health check is a `node -e` one-liner (node
# comes with the node base image) that GETs http://127.0.0.1:3000/health and reads the body, because
# the handler can answer 200 while unhealthy.
ENTRYPOINT ["/usr/local/bin/writer-lock"]
CMD ["node", "dist/http-server.js"]
