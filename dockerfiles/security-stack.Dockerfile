# AI Security Stack: one image, three processes. ECS runs each as its own container of one task
# (no supervisord), setting the command per container:
#   data plane        ["/app/bridge-server"]                                            gRPC 50051
#   management plane  ["uvicorn","app.main:app","--host","0.0.0.0","--port","8000"]      workdir /app/management-plane
#   control plane     ["python","server.py"]                                            workdir /app/policy_control_plane
#
# Build context: the app repo root; security-stack.Dockerfile.dockerignore (beside this file)
# limits what is sent.

FROM rust:1.94.1-slim-bookworm AS rust-build
# protoc for tonic/prost gRPC code generation; pkg-config, libssl-dev and g++ for crates that
# link OpenSSL or compile C++ (libssl3 is already in the Python runtime image).
RUN apt-get update \
 && apt-get install -y --no-install-recommends protobuf-compiler pkg-config libssl-dev g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY tupl_data_plane/ ./tupl_data_plane/
COPY semantic-sandbox/ ./semantic-sandbox/
WORKDIR /src/tupl_data_plane
RUN cargo build --release --bin bridge-server
WORKDIR /src/semantic-sandbox
# `cargo build --lib` writes a .so only for a cdylib crate; an rlib builds "successfully" and
# leaves nothing to load over FFI, so check instead of finding out at run time.
RUN cargo build --release --lib \
 && { test -f target/release/libsemantic_sandbox.so || { \
      echo 'error: semantic-sandbox must be a cdylib: add crate-type = ["cdylib"] to [lib] in semantic-sandbox/Cargo.toml (cargo build --release --lib produced no target/release/libsemantic_sandbox.so)' >&2; \
      exit 1; }; }

# The virtualenv is built in one stage and copied to the same path of the same Python image:
# a venv's scripts name its interpreter by absolute path.
FROM python:3.12.13-slim-bookworm AS python-base

FROM python-base AS python-build
# Compilers for dependencies that publish no wheel for this platform; they stay in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY management-plane/ ./management-plane/
COPY policy_control_plane/requirements.txt ./policy_control_plane/requirements.txt
# A normal (not editable) install: an editable one points into /src, which the runtime stage
# does not have. uvicorn, the management plane's server, must come with its dependencies.
RUN pip install --no-cache-dir ./management-plane \
 && pip install --no-cache-dir -r policy_control_plane/requirements.txt \
 && { test -x /opt/venv/bin/uvicorn || { \
      echo 'error: /opt/venv/bin/uvicorn is missing: management-plane must depend on uvicorn, the command its container runs' >&2; \
      exit 1; }; }

FROM python-base AS runtime
# HF_HOME: as uid 1000 the default cache (~/.cache/huggingface) is not the volume the task mounts,
# and /root is not writable; models are large and read-mostly, so the task mounts EFS at
# /app/hf-cache and they are downloaded once, not on every task start.
ENV PATH=/opt/venv/bin:$PATH \
    LD_LIBRARY_PATH=/app \
    HF_HOME=/app/hf-cache \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
# uid/gid 1000 is the owner the EFS access points enforce on /app/data and /app/hf-cache; the same
# ownership here keeps the image runnable without the mounts.
RUN groupadd --gid 1000 app \
 && useradd --uid 1000 --gid app --create-home --shell /usr/sbin/nologin app \
 && mkdir -p /app/data /app/hf-cache /var/lib/writer \
 && chown app:app /app/data /app/hf-cache /var/lib/writer
COPY --from=python-build /opt/venv /opt/venv
COPY --from=rust-build /src/tupl_data_plane/target/release/bridge-server /app/bridge-server
# Loaded over FFI from LD_LIBRARY_PATH=/app.
COPY --from=rust-build /src/semantic-sandbox/target/release/libsemantic_sandbox.so /app/libsemantic_sandbox.so
# Source trees the commands run from (uvicorn imports app.main from its working directory).
# Owned by root: the services write only to /app/data and /app/hf-cache.
COPY management-plane/ /app/management-plane/
COPY policy_control_plane/ /app/policy_control_plane/
# The single writer's entrypoint and snapshot tool (dockerfiles/writer/, read through the `infra` named context):
# each of the three processes starts only once its task holds the volume's writer lock (all three write
# /app/data, so the lock is the task's, not one process's).
COPY --from=infra --chmod=0755 writer/writer-lock writer/state-snapshot /usr/local/bin/
WORKDIR /app
USER 1000:1000
# The task runs this image with a read-only root file system and an empty task volume at /tmp (Python's
# tempfile), the one path the services may write outside their EFS mounts. Fargate fills a task volume with
# what the image has at a VOLUME of the same path (bind-mount considerations in the ECS guide), the base
# image's /tmp (root, 1777), so uid 1000 can write it; a bind mount without one is root's 0755 directory.
VOLUME ["/tmp"]
# 8000 management plane, 8001 control plane. The data plane's gRPC port 50051 is not exposed: the
# other two reach it over localhost inside the task (awsvpc containers share one network
# namespace) and nothing outside the task may call it.
EXPOSE 8000 8001
# No HEALTHCHECK and no curl: the task definition's health checks run `python -c` one-liners
# (python comes with this image) that read /health bodies, since the management plane answers 200
# while unhealthy, and open a TCP connection to 127.0.0.1:50051 for the data plane.
# Every container's command runs under the writer lock; the task definition sets the command per container.
ENTRYPOINT ["/usr/local/bin/writer-lock"]
