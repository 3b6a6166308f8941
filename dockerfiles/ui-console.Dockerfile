# UI Console: the Vite SPA from mcp-ui/, served by an unprivileged nginx on 8080.
#
# Build contexts: the app repo root (default; ui-console.Dockerfile.dockerignore beside this file
# limits what is sent) and `infra`, a named context pointing at this repository's dockerfiles/
# directory, which holds the nginx template and its render script.

FROM node:24.19.0-bookworm-slim AS build
WORKDIR /build
COPY mcp-ui/package.json mcp-ui/package-lock.json ./
RUN npm ci
COPY mcp-ui/ ./
# Vite bakes VITE_* variables into the bundle at build time, so the image is built per
# environment. None of them is secret: the Supabase anon key is public by design.
ARG VITE_API_BASE_URL
ARG VITE_GATEWAY_BASE_URL
ARG VITE_SUPABASE_URL
ARG VITE_SUPABASE_ANON_KEY
ENV VITE_API_BASE_URL=$VITE_API_BASE_URL \
    VITE_GATEWAY_BASE_URL=$VITE_GATEWAY_BASE_URL \
    VITE_SUPABASE_URL=$VITE_SUPABASE_URL \
    VITE_SUPABASE_ANON_KEY=$VITE_SUPABASE_ANON_KEY
# An empty build arg would build a console that calls "undefined"; name every missing one instead.
RUN missing=""; \
    for name in VITE_API_BASE_URL VITE_GATEWAY_BASE_URL VITE_SUPABASE_URL VITE_SUPABASE_ANON_KEY; do \
      [ -n "$(printenv "$name")" ] || missing="$missing $name"; \
    done; \
    if [ -n "$missing" ]; then echo "error: missing build args:$missing" >&2; exit 1; fi
RUN npm run build

# Runs as uid 101 and listens on 8080: Fargate cannot grant NET_BIND_SERVICE for port 80; the
# load balancer listens on 80/443 and forwards to 8080.
FROM nginxinc/nginx-unprivileged:1.30.5-alpine3.24 AS runtime
USER root
# envsubst, used by the render script, is Alpine's gettext envsubst, which the upstream nginx image
# keeps in /usr/local/bin for its own template script; fail here if a new base drops it.
# The stock server config and pages go: only ours may be served.
RUN command -v envsubst \
 && rm -f /etc/nginx/conf.d/default.conf \
 && rm -rf /usr/share/nginx/html/*
# Rendered into /etc/nginx/conf.d/default.conf (writable by uid 101 in this image) at container
# start from API_ORIGIN, GATEWAY_ORIGIN and SUPABASE_ORIGIN. Kept out of /etc/nginx/templates so
# the image's own envsubst script does not render it a second time with every variable.
COPY --from=infra --chmod=0644 ui-console/default.conf.template /etc/nginx/ui-console/default.conf.template
# The entrypoint skips scripts without the execute bit, silently; hence --chmod.
COPY --from=infra --chmod=0755 ui-console/40-render-nginx-conf.sh /docker-entrypoint.d/40-render-nginx-conf.sh
COPY --from=build /build/dist/ /usr/share/nginx/html/
# The base image's nginx user.
USER 101
# The task runs this image with a read-only root file system and an empty task volume at each path nginx
# writes: /tmp (the pid file and temp paths of the base image's nginx.conf) and /etc/nginx/conf.d (the render
# script's output). Fargate fills a task volume with what the image has at a VOLUME of the same path
# (bind-mount considerations in the ECS guide): /tmp (root, 1777) and conf.d (uid 101 in this base image), so
# uid 101 can write both; a bind mount without one is root's 0755 directory.
VOLUME ["/tmp", "/etc/nginx/conf.d"]
EXPOSE 8080
# No HEALTHCHECK: the ECS task definition checks with `wget -q -T 4 -O /dev/null
# http://127.0.0.1:8080/health` (BusyBox wget ships with Alpine); nginx answers it itself.
